"""Scripted bank clients over GraphQL (HTTP), run beside the generated load during faults.

Each client opens an account, then deposits and pays the company in turn, and reads its
transactions, as a person at the UI would. A request that fails because a part is down
(connection refused, 5xx, an UNAVAILABLE or time-out error) or answers that the transfer
is pending is sent again *with the same command id*, so a retry can never book twice: the
handler answers a known id with its first answer. What counts is that every operation
completes in the end; the clients report how many did, how many retries that took and the
slowest one (ms). A server error (HTTP 5xx from the backend itself, or "Unexpected error")
is retried too, but noted in `server_errors`: the scenarios require none.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.pending import is_pending
from topology.iban import COMPANY_IBAN

__all__ = ["ClientReport", "ScriptedClients"]

CREATE = """mutation ($u: String!, $p: String!) { create_account(username: $u, password: $p) {
  __typename ... on Account { iban token } ... on AccountRefused { reason } } }"""
LOGIN = CREATE.replace("create_account", "login")
DEPOSIT = """mutation ($id: String!, $iban: String!, $amount: Long!) {
  deposit(uuid: $id, iban: $iban, amount: $amount, descr: "faults deposit") {
  __typename ... on TransferRefused { reason } } }"""
PAY = """mutation ($id: String!, $token: String!, $from: String!, $to: String!, $amount: Long!) {
  transfer_money(uuid: $id, token: $token, amount: $amount, from: $from, to: $to,
  descr: "faults payment") { __typename ... on TransferRefused { reason } } }"""
HISTORY = """query ($iban: String!) { transactions_by_iban(iban: $iban, max_items: 5) { id } }"""

_RETRY_PAUSE_S = 0.5
_GIVE_UP_S = 180.0
_PASSWORD = "faults-password"  # a throwaway test account


class _UnavailableError(Exception):
    """The bank did not answer this time; send the same request again."""


@dataclass
class ClientReport:
    """What one client did: operations completed, retries, the slowest operation (ms).

    `latencies` holds (when it ended, seconds since the epoch; how long it took, ms) for
    every completed operation, retries included, for the soak's latency figures.
    """

    name: str
    completed: int = 0
    retries: int = 0
    slowest_ms: float = 0.0
    latencies: list[tuple[float, float]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    failure: str | None = None


class _Client:
    def __init__(
        self, base_url: str, name: str, stop: threading.Event, seed: int, give_up_s: float
    ) -> None:
        self.report = ClientReport(name)
        self._give_up_s = give_up_s
        self._http = httpx.Client(base_url=base_url, timeout=30.0)
        self._stop = stop
        self._rng = random.Random(seed)

    def _post(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post("/graphql", json={"query": query, "variables": variables})
        except httpx.HTTPError as exc:
            raise _UnavailableError(str(exc)) from exc
        if response.status_code >= 500:
            # The clients talk to the backend directly: a 5xx is the API's own.
            self.report.server_errors.append(f"HTTP {response.status_code}")
            raise _UnavailableError(f"HTTP {response.status_code}")
        if response.status_code == 429:
            raise _UnavailableError("HTTP 429")
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            if "Unexpected error" in str(body["errors"]):
                self.report.server_errors.append(str(body["errors"])[:200])
            # e.g. RESULT_TIMEOUT while the handler restarts, or the database is down.
            raise _UnavailableError(str(body["errors"])[:200])
        data: dict[str, Any] = body["data"]
        if is_pending(data):
            # Sent, not yet decided (the handler is slow or restarting): ask again.
            raise _UnavailableError("pending")
        return data

    def _until_done(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Send until answered (same variables, so the same command id), or give up."""
        started = time.monotonic()
        while True:
            try:
                data = self._post(query, variables)
            except _UnavailableError:
                if time.monotonic() - started > self._give_up_s:
                    raise
                self.report.retries += 1
                time.sleep(_RETRY_PAUSE_S)
                continue
            took_ms = (time.monotonic() - started) * 1000
            self.report.slowest_ms = max(self.report.slowest_ms, took_ms)
            self.report.latencies.append((time.time(), took_ms))
            self.report.completed += 1
            return data

    def _open_account(self) -> tuple[str, str]:
        user = f"faults-{self.report.name}-{uuid.uuid4().hex[:12]}"
        account = self._until_done(CREATE, {"u": user, "p": _PASSWORD})["create_account"]
        if account["__typename"] != "Account":
            # A retried create whose first try got through: the name is ours, log in.
            account = self._until_done(LOGIN, {"u": user, "p": _PASSWORD})["login"]
        if account["__typename"] != "Account":
            raise RuntimeError(f"no account for {user}: {account}")
        return account["iban"], account["token"]

    def run(self) -> None:
        try:
            iban, token = self._open_account()
            while not self._stop.is_set():
                # Small deposits: all clients share 127.0.0.1's deposit budget (backend
                # DEPOSIT_CENTS_PER_CLIENT_PER_HOUR), which a soak must never run dry.
                amount = self._rng.randint(1, 100)
                deposit = {"id": str(uuid.uuid4()), "iban": iban, "amount": str(amount)}
                self._note(self._until_done(DEPOSIT, deposit)["deposit"])
                pay = {
                    "id": str(uuid.uuid4()),
                    "token": token,
                    "from": iban,
                    "to": COMPANY_IBAN,
                    "amount": str(self._rng.randint(1, amount)),
                }
                self._note(self._until_done(PAY, pay)["transfer_money"])
                self._until_done(HISTORY, {"iban": iban})
                self._stop.wait(self._rng.uniform(0.05, 0.3))
        except Exception as exc:  # noqa: BLE001 (reported to the test, which fails on it)
            self.report.failure = f"{type(exc).__name__}: {exc}"
        finally:
            self._http.close()

    def _note(self, payload: dict[str, Any]) -> None:
        if payload["__typename"] == "TransferRefused":
            self.report.refusals.append(str(payload["reason"]))


class ScriptedClients:
    """`count` clients in threads against the backend at `base_url`, until `stop()`."""

    def __init__(
        self, base_url: str, count: int = 3, seed: int = 9, give_up_s: float = _GIVE_UP_S
    ) -> None:
        self._stop = threading.Event()
        self._give_up_s = give_up_s
        self._clients = [
            _Client(base_url, f"c{n}", self._stop, seed * 1000 + n, give_up_s) for n in range(count)
        ]
        self._threads = [
            threading.Thread(target=client.run, name=f"faults-{client.report.name}", daemon=True)
            for client in self._clients
        ]

    def start(self) -> ScriptedClients:
        for thread in self._threads:
            thread.start()
        return self

    @property
    def reports(self) -> list[ClientReport]:
        """The clients' reports so far (they keep growing until `stop`)."""
        return [client.report for client in self._clients]

    def stop(self) -> list[ClientReport]:
        """Let each client finish its operation (retrying as needed); their reports."""
        timeout_s = self._give_up_s + 30
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)
        for client, thread in zip(self._clients, self._threads, strict=True):
            if thread.is_alive():
                client.report.failure = "still running after stop"
        return [client.report for client in self._clients]
