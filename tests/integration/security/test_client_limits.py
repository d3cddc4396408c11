"""Limits per client address on the RUNNING stack, through nginx as a browser meets them.

Each test poses as fresh addresses in 127.0.0.0/8 (``tests.support.loopback``), so what it
spends never touches 127.0.0.1, and a re-run on the same stack starts from full budgets. The
figures are the backend's defaults (docs/backend.md): deposits of at most €10.000,00, ten of
them per address and hour, login back-off after ten wrong passwords.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.loopback import GUESS_EVERY_S, client_from, fresh_loopback_address

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

MAX_DEPOSIT_CENTS = 1_000_000
DEPOSITS_PER_HOUR = 10  # of the largest: the budget is €100.000,00 an hour

_CREATE = """mutation($u: String!, $p: String!) { create_account(username: $u, password: $p) {
  __typename ... on Account { iban token } ... on AccountRefused { reason } } }"""
_LOGIN = _CREATE.replace("create_account", "login")
_DEPOSIT = """mutation($uuid: String!, $iban: String!, $amount: Long!) {
  deposit(uuid: $uuid, iban: $iban, amount: $amount) { __typename
  ... on TransferRefused { reason } } }"""
_FROM_CASH = """mutation($uuid: String!, $to: String!, $amount: Long!) {
  transfer_money(uuid: $uuid, token: "cash", amount: $amount, from: "cash", to: $to,
  descr: "cap") { __typename } }"""


@pytest.fixture(scope="module")
def web_graphql(stack_env: dict[str, str]) -> str:
    return stack_env["OPEN_BANK_WEB_URL"].rstrip("/") + "/graphql"


@pytest.fixture(scope="module")
def backend_graphql(stack_env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{stack_env['OPEN_BANK_BACKEND_PORT']}/graphql"


def post(client: httpx.Client, url: str, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post(url, json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text[:500]
    answer: dict[str, Any] = response.json()
    return answer


def error_of(answer: dict[str, Any]) -> dict[str, Any]:
    errors = answer.get("errors") or []
    assert errors, answer
    error: dict[str, Any] = errors[0]
    return error


def deposit(client: httpx.Client, url: str, iban: str, cents: int) -> dict[str, Any]:
    return post(client, url, _DEPOSIT, uuid=str(uuid.uuid4()), iban=iban, amount=cents)


def confirmed(answer: dict[str, Any]) -> bool:
    return (answer.get("data") or {}).get("deposit") == {"__typename": "TransferConfirmed"}


@dataclass(frozen=True)
class Exhausted:
    """An account, and an address that deposited its whole hourly budget onto it."""

    iban: str
    address: str


@pytest.fixture(scope="module")
def exhausted(web_graphql: str) -> Exhausted:
    address = fresh_loopback_address()
    with client_from(address) as client:
        user = {"u": f"limits-{uuid.uuid4().hex[:12]}", "p": uuid.uuid4().hex}
        account = post(client, web_graphql, _CREATE, **user)["data"]["create_account"]
        iban = account["iban"]
        for _ in range(DEPOSITS_PER_HOUR):
            answer = deposit(client, web_graphql, iban, MAX_DEPOSIT_CENTS)
            assert confirmed(answer), answer
    return Exhausted(iban, address)


def test_a_deposit_over_the_cap_is_refused_with_the_reason(
    web_graphql: str, exhausted: Exhausted
) -> None:
    with client_from(fresh_loopback_address()) as client:
        too_much = MAX_DEPOSIT_CENTS + 1
        for answer in (
            deposit(client, web_graphql, exhausted.iban, too_much),
            post(
                client,
                web_graphql,
                _FROM_CASH,
                uuid=str(uuid.uuid4()),
                to=exhausted.iban,
                amount=too_much,
            ),
        ):
            error = error_of(answer)
            assert error["extensions"] == {"code": "INVALID_ARGUMENT", "argument": "amount"}
            assert "a deposit can be at most €10.000,00" in error["message"]


def test_deposits_beyond_the_budget_are_refused_while_another_address_deposits(
    web_graphql: str, exhausted: Exhausted
) -> None:
    with client_from(exhausted.address) as client:
        refused = error_of(deposit(client, web_graphql, exhausted.iban, MAX_DEPOSIT_CENTS))
    assert refused["extensions"] == {"code": "RATE_LIMITED", "subject": "deposits"}
    assert "deposits from this address are limited to €100.000,00 per hour" in refused["message"]
    with client_from(fresh_loopback_address()) as other:
        assert confirmed(deposit(other, web_graphql, exhausted.iban, MAX_DEPOSIT_CENTS))


def test_a_forged_x_real_ip_straight_to_the_backend_is_not_believed(
    web_graphql: str, backend_graphql: str, exhausted: Exhausted
) -> None:
    # €2.000,00: more than the exhausted address has regained (€100 a second for a
    # minute or two), little of 127.0.0.1's own budget, which the rest of the suite uses.
    probe = 200_000
    # Through nginx the exhausted address is refused: the header nginx sets counts.
    with client_from(exhausted.address) as client:
        refused = error_of(deposit(client, web_graphql, exhausted.iban, probe))
    assert refused["extensions"]["subject"] == "deposits"
    # A local program on 127.0.0.1, nginx's own address, claiming that client address with
    # a guessed secret, is judged by its own address, whose budget is not spent.
    with client_from("127.0.0.1") as local:
        local.headers.update({"x-real-ip": exhausted.address, "x-open-bank-proxy": "guess"})
        answer = deposit(local, backend_graphql, exhausted.iban, probe)
    assert confirmed(answer), answer


def test_wrong_passwords_for_a_username_do_not_lock_its_owner_out(web_graphql: str) -> None:
    user = {"u": f"victim-{uuid.uuid4().hex[:12]}", "p": uuid.uuid4().hex}
    with client_from(fresh_loopback_address()) as owner:
        created = post(owner, web_graphql, _CREATE, **user)["data"]["create_account"]
        codes: list[str | None] = []
        with client_from(fresh_loopback_address()) as attacker:
            for _ in range(30):  # more than the old limit of 20 per username
                time.sleep(GUESS_EVERY_S)  # an unpaced guesser meets the server's limit first
                answer = post(attacker, web_graphql, _LOGIN, u=user["u"], p="guess")
                errors = answer.get("errors") or []
                codes.append(errors[0]["extensions"]["code"] if errors else None)
                if errors:
                    assert errors[0]["extensions"]["subject"] == "client", answer
        assert codes[0] is None  # answered "incorrect password" first
        assert codes[-1] == "RATE_LIMITED"  # the guessing address backs off
        login = post(owner, web_graphql, _LOGIN, **user)
    assert login.get("errors") is None, login
    assert login["data"]["login"] == created
