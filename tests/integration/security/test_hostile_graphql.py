"""Hostile arguments at every GraphQL field of the RUNNING backend (real handler, Kafka, DB).

Hypothesis throws huge and negative numbers, unicode, SQL and HTML fragments, very long
strings, deep nesting, many aliases and oversized documents at every query, mutation and
subscription. Every answer must be a clear one: HTTP status below 500, JSON, data or errors
whose messages are not the masked "Unexpected error." and carry no stack trace; a refused
argument is named. Money only moves through answers that said so: the two accounts this test
owns end with exactly the balance the confirmed answers add up to. Every subscription's
first answer is recorded; `money_transfer` and `get_account` must give one (silence fails),
only a quiet `stream_transactions` may wait. Afterwards the service still answers a normal
query.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.graphql_ws import GraphQLWebSocket, OperationFailedError
from tests.support.loopback import GUESS_EVERY_S, client_from, fresh_loopback_address
from tests.support.pending import is_pending

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

_MASKED = "Unexpected error."
_TRACE_MARKERS = ("Traceback", 'File "', "site-packages", "psycopg", "sqlalchemy")
_ANSWER_TIMEOUT_S = 15.0
#: How long a stream_transactions with nothing to send is watched before moving on (s).
_QUIET_STREAM_S = 2.0
#: How long a transfer may take to be decided, pending first on a slow machine (s).
_DECIDED_TIMEOUT_S = 60.0

HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "'; DROP TABLE accounts; --",
            "1 OR 1=1",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "{{7*7}}",
            "../../etc/passwd",
            "\x00\x1b[31m\u202e",
            "😀" * 80,
            "a" * 20_000,
            "NL66OPEN0000000000",
            "NL00OPEN0000000001",
            "cash",
            "",
            " ",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "{0F8FAD5B-D9CB-469F-A165-70867728950E}",
        ]
    ),
)
HOSTILE_INT: st.SearchStrategy[Any] = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 100, 2**31 - 1, 2**31, 2**53, 2**63 - 1, 2**63, -(2**63)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1", "1e3", "NaN", None, True, [], {}]),
)


@dataclass
class Ledger:
    """Two accounts owned by this test and what their balances must be (cents)."""

    ibans: dict[str, str]  # iban → token
    expected: dict[str, int] = field(default_factory=dict)
    confirmed: int = 0
    command_ids: set[str] = field(default_factory=set)

    def record(self, command_id: str, from_: str, to: str, amount: int) -> None:
        """Apply a transfer the handler confirmed, once per command id: a repeated id (the
        strategies draw some ids again) gets the first answer and moves no money."""
        key = _command_key(command_id)
        if key in self.command_ids:
            return
        self.command_ids.add(key)
        self.confirmed += 1
        if from_ in self.expected:
            self.expected[from_] -= amount
        if to in self.expected:
            self.expected[to] += amount


def _command_key(command_id: str) -> str:
    """The id as the API reads it: any spelling of one uuid is one command."""
    try:
        return str(uuid.UUID(command_id))
    except ValueError:
        return command_id


class Api:
    """Plain HTTP GraphQL against the backend, with the checks every answer must pass."""

    def __init__(self, client: httpx.Client, url: str) -> None:
        self._client = client
        self._url = url

    def post(self, body: Any, content: bytes | None = None) -> dict[str, Any] | None:
        """Send one request; the JSON answer, or None when refused before GraphQL (4xx)."""
        if content is None:
            response = self._client.post(self._url, json=body)
        else:
            response = self._client.post(
                self._url, content=content, headers={"content-type": "application/json"}
            )
        assert response.status_code < 500, response.text[:500]
        if response.status_code != 200:
            # A refused request (400 malformed body, 413 too large): a short plain reason.
            assert response.status_code in {400, 413}, response.text[:500]
            assert response.text.strip()
            for marker in _TRACE_MARKERS:
                assert marker not in response.text, response.text[:500]
            return None
        answer = response.json()
        assert isinstance(answer, dict), answer
        check_clear(answer)
        return answer


def check_clear(answer: dict[str, Any]) -> None:
    """Data, or errors that tell the client something; never an internal trace."""
    assert "data" in answer or "errors" in answer, answer
    text = json.dumps(answer)
    for marker in _TRACE_MARKERS:
        assert marker not in text, f"{marker!r} leaked: {text[:500]}"
    for error in answer.get("errors") or []:
        message = error.get("message", "")
        assert message, answer
        assert message != _MASKED, answer
        extensions = error.get("extensions") or {}
        if extensions.get("code") == "INVALID_ARGUMENT":
            assert extensions.get("argument"), error


@pytest.fixture(scope="module")
def backend_url(service_env: Callable[[str], dict[str, str]]) -> str:
    """The stack's own backend, straight (nginx's rate limit would answer 429s instead)."""
    port = service_env("tests")["OPEN_BANK_BACKEND_PORT"]
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"the stack's backend does not answer ({exc}): ./bank up", pytrace=False)
    return url


#: One subscription's kind, variables and first answer (None: it stayed silent).
Answer = tuple[str, dict[str, Any], dict[str, Any] | None]


@pytest.fixture(scope="module")
def answers() -> list[Answer]:
    """Every answer the hostile subscriptions got, in order."""
    return []


@pytest.fixture(scope="module")
def hostile_address() -> str:
    """The loopback address the hostile requests come from: the wrong passwords hypothesis
    happens upon back off this address only, never 127.0.0.1, which later tests use."""
    return fresh_loopback_address()


@pytest.fixture(scope="module")
def api(backend_url: str, hostile_address: str) -> Iterator[Api]:
    with client_from(hostile_address, _ANSWER_TIMEOUT_S) as client:
        yield Api(client, backend_url)


_CREATE = """mutation($u: String!, $p: String!) { create_account(username: $u, password: $p) {
  __typename ... on Account { iban token } } }"""


@pytest.fixture(scope="module")
def ledger(api: Api) -> Ledger:
    ibans: dict[str, str] = {}
    for _ in range(2):
        answer = api.post({"query": _CREATE, "variables": _fresh_user()})
        assert answer is not None
        account = answer["data"]["create_account"]
        assert "iban" in account, answer
        ibans[account["iban"]] = account["token"]
    ledger = Ledger(ibans=ibans, expected=dict.fromkeys(ibans, 0))
    # A known-good deposit first: transfers from the first account can then succeed, and the
    # final balance check has a non-zero amount to find.
    first = sorted(ibans)[0]
    deposit = {"uuid": str(uuid.uuid4()), "iban": first, "amount": 100_000, "descr": "start"}
    answer = _decided(api, _DEPOSIT, deposit)
    assert answer is not None
    assert _succeeded(answer, "deposit"), answer
    ledger.record(str(deposit["uuid"]), "cash", first, 100_000)
    return ledger


def _fresh_user() -> dict[str, str]:
    return {"u": f"hostile-{uuid.uuid4().hex[:12]}", "p": uuid.uuid4().hex}


def _ours(ledger: Ledger, pick: Callable[[list[str]], str]) -> str:
    return pick(sorted(ledger.ibans))


# Operations: (document, variables strategy). `from`/`to`/`iban`/`token` sometimes take the
# test's own accounts so that valid requests get through and move money.
_TRANSFER = """mutation($uuid: String!, $token: String!, $amount: Long!, $from: String!,
  $to: String!, $descr: String!) { transfer_money(uuid: $uuid, token: $token, amount: $amount,
  from: $from, to: $to, descr: $descr) { __typename ... on TransferConfirmed { uuid }
  ... on TransferRefused { reason } } }"""
_DEPOSIT = """mutation($uuid: String!, $iban: String!, $amount: Long!, $descr: String!) {
  deposit(uuid: $uuid, iban: $iban, amount: $amount, descr: $descr) { __typename
  ... on TransferConfirmed { uuid } ... on TransferRefused { reason } } }"""
_LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename } }"""
_BY_ID = "query($id: Int!) { transaction_by_id(id: $id) { id iban new_balance descr } }"
_BY_IBAN = """query($iban: String!, $n: Int!) { transactions_by_iban(iban: $iban,
  max_items: $n) { id new_balance_cents } }"""
_PAGE = """query($iban: String!, $first: Int!, $before: Int) { transactions(iban: $iban,
  first: $first, before: $before) { has_more next_before items { id } } }"""


def _hostile_documents() -> st.SearchStrategy[dict[str, Any] | bytes]:
    depth = st.integers(min_value=1, max_value=3_000)
    nested = depth.map(lambda n: {"query": "{" * n + "all_last_transactions { id }" + "}" * n})
    aliases = st.integers(min_value=1, max_value=400).map(
        lambda n: {
            "query": "{" + " ".join(f"a{i}: all_last_transactions {{ id }}" for i in range(n)) + "}"
        }
    )
    fragments = st.integers(min_value=1, max_value=60).map(
        lambda n: {
            "query": 'query { transactions(iban: "NL66OPEN0000000000", first: 1) { ...F0 } }'
            + "".join(
                f" fragment F{i} on TransactionPage {{ has_more ...F{i + 1} }}" for i in range(n)
            )
            + f" fragment F{n} on TransactionPage {{ has_more }}"
        }
    )
    junk = st.one_of(
        st.binary(max_size=200),
        st.sampled_from([b"", b"{", b"null", b"[]", b'{"query": 1}', b"x" * 70_000]),
    )
    return st.one_of(nested, aliases, fragments, HOSTILE_TEXT.map(lambda q: {"query": q}), junk)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
@given(data=st.data())
def test_hostile_http_requests_get_clear_answers_and_move_no_money_unasked(
    api: Api, ledger: Ledger, data: st.DataObject
) -> None:
    ours = sorted(ledger.ibans)
    iban = data.draw(st.one_of(HOSTILE_TEXT, st.sampled_from(ours)), label="iban")
    kind = data.draw(
        st.sampled_from(
            ["transfer", "deposit", "login", "create", "by_id", "by_iban", "page", "document"]
        ),
        label="kind",
    )
    if kind == "document":
        document = data.draw(_hostile_documents(), label="document")
        if isinstance(document, bytes):
            api.post(None, content=document)
        else:
            api.post(document)
        return
    if kind == "transfer":
        from_ = data.draw(st.one_of(HOSTILE_TEXT, st.sampled_from([*ours, "cash"])), label="from")
        to = data.draw(st.one_of(HOSTILE_TEXT, st.sampled_from(ours)), label="to")
        token = data.draw(
            st.one_of(HOSTILE_TEXT, st.just(ledger.ibans.get(from_, "cash"))), label="token"
        )
        amount = data.draw(st.one_of(HOSTILE_INT, st.integers(1, 60_000)), label="amount")
        variables = {
            "uuid": data.draw(st.one_of(HOSTILE_TEXT, st.uuids().map(str)), label="uuid"),
            "token": token,
            "amount": amount,
            "from": from_,
            "to": to,
            "descr": data.draw(HOSTILE_TEXT, label="descr"),
        }
        answer = _decided(api, _TRANSFER, variables)
        if answer and _succeeded(answer, "transfer_money"):
            ledger.record(str(variables["uuid"]), from_, to, int(amount))
    elif kind == "deposit":
        amount = data.draw(st.one_of(HOSTILE_INT, st.integers(1, 60_000)), label="amount")
        variables = {
            "uuid": data.draw(st.one_of(HOSTILE_TEXT, st.uuids().map(str)), label="uuid"),
            "iban": iban,
            "amount": amount,
            "descr": data.draw(HOSTILE_TEXT, label="descr"),
        }
        answer = _decided(api, _DEPOSIT, variables)
        if answer and _succeeded(answer, "deposit"):
            ledger.record(str(variables["uuid"]), "cash", iban, int(amount))
    elif kind in {"login", "create"}:
        user = {"u": data.draw(HOSTILE_TEXT), "p": data.draw(HOSTILE_TEXT)}
        api.post({"query": _LOGIN if kind == "login" else _CREATE, "variables": user})
    elif kind == "by_id":
        api.post({"query": _BY_ID, "variables": {"id": data.draw(HOSTILE_INT, label="id")}})
    elif kind == "by_iban":
        n = data.draw(HOSTILE_INT, label="max_items")
        api.post({"query": _BY_IBAN, "variables": {"iban": iban, "n": n}})
    else:
        variables = {
            "iban": iban,
            "first": data.draw(HOSTILE_INT, label="first"),
            "before": data.draw(HOSTILE_INT, label="before"),
        }
        api.post({"query": _PAGE, "variables": variables})


def _decided(api: Api, query: str, variables: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to a transfer or deposit once decided: a pending one (the handler slower
    than the API's wait) is asked again with the same uuid, as the UI does, because it may
    still move money."""
    deadline = time.monotonic() + _DECIDED_TIMEOUT_S
    while True:
        answer = api.post({"query": query, "variables": variables})
        if not is_pending((answer or {}).get("data")) or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def _succeeded(answer: dict[str, Any], name: str) -> bool:
    answered: dict[str, Any] = answer.get("data") or {}
    result: dict[str, Any] = answered.get(name) or {}
    return result.get("__typename") == "TransferConfirmed"


_WS_ACCOUNT = """subscription($u: String!, $p: String!) { get_account(username: $u,
  password: $p) { iban token reason } }"""
_WS_TRANSFER = """subscription($uuid: String!, $token: String!, $amount: Int!, $from: String!,
  $to: String!, $descr: String!) { money_transfer(uuid: $uuid, token: $token, amount: $amount,
  from: $from, to: $to, descr: $descr) { uuid success reason pending } }"""
_WS_STREAM = """subscription($iban: String, $min: Int) { stream_transactions(iban: $iban,
  min_amount: $min) { id iban } }"""


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
@given(data=st.data())
def test_hostile_subscriptions_get_clear_answers(
    backend_url: str,
    hostile_address: str,
    ledger: Ledger,
    answers: list[Answer],
    data: st.DataObject,
) -> None:
    ours = sorted(ledger.ibans)
    kind = data.draw(st.sampled_from(["account", "transfer", "stream"]), label="kind")
    if kind == "account":
        query = _WS_ACCOUNT
        variables: dict[str, Any] = {"u": data.draw(HOSTILE_TEXT), "p": data.draw(HOSTILE_TEXT)}
    elif kind == "transfer":
        query = _WS_TRANSFER
        from_ = data.draw(st.one_of(HOSTILE_TEXT, st.sampled_from(ours)), label="from")
        variables = {
            "uuid": data.draw(st.one_of(HOSTILE_TEXT, st.uuids().map(str))),
            "token": data.draw(st.one_of(HOSTILE_TEXT, st.just(ledger.ibans.get(from_, "")))),
            "amount": data.draw(st.one_of(HOSTILE_INT, st.integers(1, 60_000)), label="amount"),
            "from": from_,
            "to": data.draw(st.one_of(HOSTILE_TEXT, st.sampled_from(ours)), label="to"),
            "descr": data.draw(HOSTILE_TEXT),
        }
    else:
        query = _WS_STREAM
        variables = {
            "iban": data.draw(st.one_of(HOSTILE_TEXT, st.none())),
            "min": data.draw(HOSTILE_INT),
        }
    waited = {"stream": _QUIET_STREAM_S, "transfer": _DECIDED_TIMEOUT_S}.get(
        kind, _ANSWER_TIMEOUT_S
    )
    answer = asyncio.run(_first_answer(backend_url, hostile_address, query, variables, waited))
    answers.append((kind, variables, answer))
    if answer is None:
        # A quiet stream_transactions waits for a matching event: a correct answer. The
        # other two must always answer (data or errors); silence is a bug.
        assert kind == "stream", f"{kind}: no answer in {waited} s to {variables}"
        return
    check_clear(answer)
    answered: dict[str, Any] = answer.get("data") or {}
    result: dict[str, Any] = answered.get("money_transfer") or {}
    if kind == "transfer" and result.get("success"):
        ledger.record(
            str(variables["uuid"]), variables["from"], variables["to"], int(variables["amount"])
        )


async def _first_answer(
    url: str, address: str, query: str, variables: dict[str, Any], timeout_s: float
) -> dict[str, Any] | None:
    """The first answer of a subscription that is not `pending` (a pending transfer's
    subscription sends its decision next), or its errors; None when it stays silent."""
    ws_url = url.replace("http://", "ws://", 1)
    async with GraphQLWebSocket(ws_url, "graphql-transport-ws", address) as socket:
        try:
            return await asyncio.wait_for(_past_pending(socket, query, variables), timeout_s)
        except OperationFailedError as failed:
            payload = failed.payload
            errors = payload if isinstance(payload, list) else [payload]
            return {"errors": errors}
        except TimeoutError:
            return None


async def _past_pending(
    socket: GraphQLWebSocket, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    async with socket.operation(query, variables) as results:
        async for result in results:
            if not is_pending(result.get("data")):
                return result
    raise OperationFailedError("completed without a decided result")


def test_every_subscription_answer_was_recorded(answers: list[Answer]) -> None:
    """Runs after the hostile subscriptions (file order): each kind was tried and answered."""
    kinds = {kind for kind, _variables, answer in answers if answer is not None}
    assert {"account", "transfer"} <= kinds, [kind for kind, _v, _a in answers]


def test_password_guessing_backs_off_the_guessing_address(backend_url: str) -> None:
    """Wrong passwords from one address are cut off with a clear RATE_LIMITED error. A fresh
    loopback address of its own keeps 127.0.0.1, which later tests use, out of the back-off."""
    user = _fresh_user()
    with client_from(fresh_loopback_address(), _ANSWER_TIMEOUT_S) as client:
        api = Api(client, backend_url)
        answer = api.post({"query": _CREATE, "variables": user})
        assert answer is not None
        codes = []
        for _ in range(30):
            time.sleep(GUESS_EVERY_S)  # an unpaced guesser meets the server's limit first
            answer = api.post({"query": _LOGIN, "variables": {**user, "p": "guess"}})
            assert answer is not None
            errors = answer.get("errors") or []
            codes.append((errors[0].get("extensions") or {}).get("code") if errors else None)
            if codes[-1] == "RATE_LIMITED":
                assert errors[0]["extensions"]["subject"] == "client", answer
                break
    assert codes[-1] == "RATE_LIMITED", codes
    assert codes[0] is None  # the first attempts are answered normally ("incorrect password")


def test_money_moved_only_as_answered_and_the_service_still_answers(
    api: Api, ledger: Ledger
) -> None:
    """Runs after the hostile tests (file order): the ledger must match the bank."""
    deadline = time.monotonic() + 20.0
    while True:
        balances = {iban: _balance(api, iban) for iban in ledger.ibans}
        if balances == ledger.expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert balances == ledger.expected, f"after {ledger.confirmed} confirmed transfers"
    assert any(ledger.expected.values())
    answer = api.post({"query": "{ all_last_transactions { id iban } }"})
    assert answer is not None
    assert "errors" not in answer
    assert answer["data"]["all_last_transactions"]


def _balance(api: Api, iban: str) -> int:
    answer = api.post({"query": _BY_IBAN, "variables": {"iban": iban, "n": 1}})
    assert answer is not None
    rows = answer["data"]["transactions_by_iban"]
    return int(rows[0]["new_balance_cents"]) if rows else 0
