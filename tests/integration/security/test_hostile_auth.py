"""Every way in, tried with the wrong key, on the RUNNING backend (real handler, Kafka, DB).

The company account `NL66OPEN0000000000` and an account of this test are asked to pay with
wrong, empty, foreign and absurd tokens, over HTTP (`transfer_money`) and WebSocket
(`money_transfer`, the original's protocol): each answer is a refusal with a reason, never
a confirmation and never silence. Every login path (`login` and `get_account`) with a wrong
password, an unknown or empty user, very long and unicode input, or another account's token
as the password answers without handing out an account that is not the caller's.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bench.graphql_ws import GraphQLWebSocket, OperationFailedError
from tests.support.loopback import client_from, fresh_loopback_address

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

COMPANY = "NL66OPEN0000000000"
_ANSWER_TIMEOUT_S = 15.0

_CREATE = """mutation($u: String!, $p: String!) { create_account(username: $u, password: $p) {
  __typename ... on Account { iban token } ... on AccountRefused { reason } } }"""
_LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on Account { iban token } ... on AccountRefused { reason } } }"""
_TRANSFER = """mutation($uuid: String!, $token: String!, $amount: Long!, $from: String!,
  $to: String!) { transfer_money(uuid: $uuid, token: $token, amount: $amount, from: $from,
  to: $to, descr: "hostile auth") { __typename ... on TransferRefused { reason } } }"""
_WS_TRANSFER = """subscription($uuid: String!, $token: String!, $amount: Int!, $from: String!,
  $to: String!) { money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from,
  to: $to, descr: "hostile auth") { uuid success reason } }"""
_WS_ACCOUNT = """subscription($u: String!, $p: String!) { get_account(username: $u,
  password: $p) { iban token reason } }"""


@dataclass(frozen=True)
class Client:
    """One account of this test: how it logs in and what it holds."""

    username: str
    password: str
    iban: str
    token: str


@dataclass(frozen=True)
class Bank:
    """The running backend, straight (nginx's rate limit would answer 429s instead), from a
    loopback address of this test's own: its wrong passwords back off that address only,
    never 127.0.0.1, which later tests use."""

    http: httpx.Client
    url: str
    address: str

    def post(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(self.url, json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text[:500]
        answer: dict[str, Any] = response.json()
        return answer

    def subscribe(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The first answer of a subscription; silence fails the test."""
        return asyncio.run(self._first(query, variables))

    async def _first(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        async with GraphQLWebSocket(
            self.url.replace("http", "ws", 1), "graphql-transport-ws"
        ) as ws:
            try:
                return await asyncio.wait_for(ws.first(query, variables), _ANSWER_TIMEOUT_S)
            except OperationFailedError as failed:
                return {"errors": failed.payload}
            except TimeoutError:
                pytest.fail(f"no answer in {_ANSWER_TIMEOUT_S} s to {variables}")


@pytest.fixture(scope="module")
def bank(service_env: Callable[[str], dict[str, str]]) -> Iterator[Bank]:
    port = service_env("tests")["OPEN_BANK_BACKEND_PORT"]
    address = fresh_loopback_address()
    with client_from(address, _ANSWER_TIMEOUT_S) as http:
        yield Bank(http, f"http://127.0.0.1:{port}/graphql", address)


def _new_client(bank: Bank, passwords: set[str]) -> Client:
    username, password = f"auth-{uuid.uuid4().hex[:12]}", f"pw-{uuid.uuid4().hex}"
    passwords.add(password)
    answer = bank.post(_CREATE, {"u": username, "p": password})
    account = answer["data"]["create_account"]
    assert account["__typename"] == "Account", answer
    return Client(username, password, account["iban"], account["token"])


@pytest.fixture(scope="module")
def alice(bank: Bank, typed_passwords: set[str]) -> Client:
    return _new_client(bank, typed_passwords)


@pytest.fixture(scope="module")
def bob(bank: Bank, typed_passwords: set[str]) -> Client:
    return _new_client(bank, typed_passwords)


def _refused_over_http(answer: dict[str, Any]) -> bool:
    """A TransferRefused with a reason, or a GraphQL error with a message: never money."""
    result = (answer.get("data") or {}).get("transfer_money")
    if result is not None:
        return result["__typename"] == "TransferRefused" and bool(result["reason"])
    return all(error.get("message") for error in answer.get("errors") or [{}])


def _refused_over_ws(answer: dict[str, Any]) -> bool:
    result = (answer.get("data") or {}).get("money_transfer")
    if result is not None:
        return result["success"] is False and bool(result["reason"])
    errors = answer.get("errors")
    errors = errors if isinstance(errors, list) else [errors or {}]
    return all(isinstance(error, dict) and error.get("message") for error in errors)


WRONG_TOKENS: dict[str, Callable[[Client], str]] = {
    "empty": lambda _alice: "",
    "twenty ones": lambda _alice: "1" * 20,
    "random digits": lambda _alice: f"{uuid.uuid4().int % 10**20:020d}",
    "another account's": lambda alice: alice.token,
    "very long": lambda _alice: "9" * 20_000,
    "unicode": lambda _alice: "ñ😀\u202e" * 7,
    "sql": lambda _alice: "' OR '1'='1",
}


@pytest.mark.parametrize("source", ["company", "bob"])
@pytest.mark.parametrize("wrong", sorted(WRONG_TOKENS))
def test_a_wrong_token_moves_nothing_over_either_protocol(
    bank: Bank, alice: Client, bob: Client, source: str, wrong: str
) -> None:
    token = WRONG_TOKENS[wrong](alice)
    from_ = COMPANY if source == "company" else bob.iban
    _assert_refused(bank, token, from_, to=alice.iban)


def _assert_refused(bank: Bank, token: str, from_: str, to: str) -> None:
    variables = {"token": token, "amount": 1, "from": from_, "to": to}
    over_http = bank.post(_TRANSFER, {"uuid": str(uuid.uuid4()), **variables})
    assert _refused_over_http(over_http), over_http
    over_ws = bank.subscribe(_WS_TRANSFER, {"uuid": str(uuid.uuid4()), **variables})
    assert _refused_over_ws(over_ws), over_ws


LOGINS: dict[str, Callable[[Client, Client], tuple[str, str]]] = {
    "wrong password": lambda alice, _bob: (alice.username, alice.password + "x"),
    "empty password": lambda alice, _bob: (alice.username, ""),
    "another account's token as password": lambda alice, bob: (alice.username, bob.token),
    "another account's password": lambda alice, bob: (alice.username, bob.password),
    "very long password": lambda alice, _bob: (alice.username, "p" * 20_000),
    "unicode password": lambda alice, _bob: (alice.username, "пароль😀\u202e" * 3),
    "empty username": lambda _alice, _bob: ("", "password-1"),
    "empty both": lambda _alice, _bob: ("", ""),
    "very long username": lambda _alice, _bob: ("u" * 20_000, "password-1"),
    "unicode username": lambda _alice, _bob: ("ünï😀\u202e" * 3, "password-1"),
    "unknown username": lambda _alice, _bob: (f"nobody-{uuid.uuid4().hex}", "password-1"),
}


def test_the_right_password_still_opens_the_account(bank: Bank, alice: Client) -> None:
    """Control, before the wrong logins (a throttle may follow them): the checks below can
    tell an open account from a refusal."""
    variables = {"u": alice.username, "p": alice.password}
    result = bank.post(_LOGIN, variables)["data"]["login"]
    assert (result["iban"], result["token"]) == (alice.iban, alice.token)
    account = bank.subscribe(_WS_ACCOUNT, variables)["data"]["get_account"]
    assert (account["iban"], account["token"]) == (alice.iban, alice.token)


@pytest.mark.parametrize("case", sorted(LOGINS))
def test_every_login_path_opens_only_the_callers_own_account(
    bank: Bank, alice: Client, bob: Client, case: str
) -> None:
    username, password = LOGINS[case](alice, bob)
    variables = {"u": username, "p": password}
    over_http = bank.post(_LOGIN, variables)
    result = (over_http.get("data") or {}).get("login")
    if result is None:
        assert all(error.get("message") for error in over_http["errors"]), over_http
    else:
        # `login` only opens existing accounts: every case here is refused with a reason.
        assert result["__typename"] == "AccountRefused", over_http
        assert result["reason"], over_http
    over_ws = bank.subscribe(_WS_ACCOUNT, variables)
    account = (over_ws.get("data") or {}).get("get_account")
    if account is None:
        errors = over_ws["errors"]
        assert all(error.get("message") for error in errors if isinstance(error, dict)), over_ws
        return
    # get_account registers an unknown username (the original's protocol): then it answers
    # with a new account; never with one of this test's.
    assert account["token"] not in {alice.token, bob.token}, over_ws
    assert account["iban"] not in {alice.iban, bob.iban}, over_ws
    if account["token"] is None:
        assert account["reason"], over_ws
    else:
        assert case == "unknown username", over_ws
