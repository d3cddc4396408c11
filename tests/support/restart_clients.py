"""Clients that keep using the API while a dependency restarts, and note every answer.

Each client logs in once, then in turn reads its transactions, deposits and logs in
again (at most once a second), over HTTP GraphQL. A pending deposit is asked again with
the same uuid until it is decided, as a person (or the UI) would. Every answer is
classified: data, a typed error (its code), an HTTP status of 500 or more, or a transport
failure. The tests then say which of those may occur while what restarts, and that each
deposit was decided exactly once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.pending import is_pending

__all__ = ["ApiClients", "Tally"]

LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on Account { iban token } ... on AccountRefused { reason } } }"""
CREATE = LOGIN.replace("login(", "create_account(")
HISTORY = """query ($iban: String!) { transactions_by_iban(iban: $iban, max_items: 5) { id } }"""
DEPOSIT = """mutation ($id: String!, $iban: String!) {
  deposit(uuid: $id, iban: $iban, amount: 100, descr: "restart test") {
  __typename ... on TransferRefused { reason } } }"""
_PASSWORD = "restart-password"  # a throwaway test account
#: A broker restart and the handler's own recovery took over 2 minutes at load 40.
_GIVE_UP_S = 300.0
#: The server takes 10 logins a second (``LOGIN_ATTEMPTS_PER_SECOND``); three clients
#: logging in on every round come near it and are rightly answered ``RATE_LIMITED``.
_LOGIN_EVERY_S = 1.0


@dataclass
class Tally:
    """What the clients saw: answers by kind, and each deposit's final answer."""

    kinds: Counter[str] = field(default_factory=Counter)
    deposits: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, detail: str = "") -> None:
        with self.lock:
            self.kinds[kind] += 1
            if detail and len(self.failures) < 20:
                self.failures.append(f"{kind}: {detail}")

    def bad(self, allowed: set[str]) -> dict[str, int]:
        """The kinds of answer seen that are not in ``allowed`` (besides data)."""
        return {k: n for k, n in self.kinds.items() if k != "data" and k not in allowed}


class ApiClients:
    """``count`` threads using the API at ``base_url`` until ``stop``."""

    def __init__(self, base_url: str, count: int = 3) -> None:
        self.tally = Tally()
        self._base_url = base_url
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"api-client-{n}", daemon=True)
            for n in range(count)
        ]
        self._accounts: list[tuple[str, str]] = []

    def __enter__(self) -> ApiClients:
        with httpx.Client(base_url=self._base_url, timeout=30.0) as http:
            for _ in self._threads:
                user = f"restart-{uuid.uuid4().hex[:12]}"
                answer = _post(http, CREATE, {"u": user, "p": _PASSWORD})
                self._accounts.append((user, answer["data"]["create_account"]["iban"]))
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def decided(self) -> int:
        """How many deposits have been decided so far."""
        with self.tally.lock:
            return sum(1 for answer in self.tally.deposits.values() if answer != "never decided")

    def stop(self) -> Tally:
        """Stop and wait for every client (each finishes the deposit it is deciding)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(_GIVE_UP_S + 30)
        return self.tally

    def _run(self) -> None:
        index = self._threads.index(threading.current_thread())
        user, iban = self._accounts[index]
        logged_in = time.monotonic()
        with httpx.Client(base_url=self._base_url, timeout=30.0) as http:
            while not self._stop.is_set():
                self._ask(http, HISTORY, {"iban": iban})
                self._deposit(http, iban)
                if time.monotonic() - logged_in >= _LOGIN_EVERY_S:
                    self._ask(http, LOGIN, {"u": user, "p": _PASSWORD})
                    logged_in = time.monotonic()
                self._stop.wait(0.05)

    def _deposit(self, http: httpx.Client, iban: str) -> None:
        """One deposit, asked again with the same uuid until decided (or given up)."""
        command_id = str(uuid.uuid4())
        started = time.monotonic()
        while time.monotonic() - started < _GIVE_UP_S:
            data = self._ask(http, DEPOSIT, {"id": command_id, "iban": iban})
            answer = None if data is None else data["deposit"]["__typename"]
            if answer in {"TransferConfirmed", "TransferRefused"}:
                with self.tally.lock:
                    self.tally.deposits[command_id] = answer
                return
            time.sleep(0.2)  # pending, or an error the client may retry
        with self.tally.lock:
            self.tally.deposits[command_id] = "never decided"

    def _ask(self, http: httpx.Client, query: str, variables: dict[str, str]) -> Any:
        try:
            body = _post(http, query, variables)
        except httpx.HTTPStatusError as exc:
            self.tally.note(f"HTTP {exc.response.status_code}", exc.response.text[:200])
            return None
        except httpx.TransportError as exc:
            self.tally.note("transport", str(exc))
            return None
        errors = body.get("errors")
        if errors:
            code = (errors[0].get("extensions") or {}).get("code", errors[0]["message"])
            self.tally.note(code, str(errors[0])[:300])
            return None
        data = body["data"]
        self.tally.note("pending" if is_pending(data) else "data")
        return data


def _post(http: httpx.Client, query: str, variables: dict[str, str]) -> dict[str, Any]:
    response = http.post("/graphql", json={"query": query, "variables": variables})
    if response.status_code >= 500:
        response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body
