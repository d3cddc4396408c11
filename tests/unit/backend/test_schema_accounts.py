"""get_account, create_account and login through the schema, over the fakes."""

from dataclasses import replace
from typing import Any

from argon2 import PasswordHasher
from strawberry.types import ExecutionResult

from backend.throttle import LoginThrottle
from tests.support.backend_memory import InMemoryBank, in_memory_bank

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

GET_ACCOUNT = """
subscription ($u: String!, $p: String!) {
  get_account(username: $u, password: $p) { iban token reason }
}"""
CREATE = """
mutation ($u: String!, $p: String!) {
  create_account(username: $u, password: $p) {
    __typename ... on Account { iban token } ... on AccountRefused { reason }
  }
}"""
LOGIN = CREATE.replace("create_account", "login")


async def first_event(bank: InMemoryBank, query: str, **variables: Any) -> ExecutionResult:
    stream = await bank.schema.subscribe(
        query, variable_values=variables, context_value=bank.context
    )
    assert not isinstance(stream, ExecutionResult), stream
    result = await anext(stream)
    await stream.aclose()
    return result


async def test_register_then_login_again_gets_the_same_iban_and_token(
    bank: InMemoryBank,
) -> None:
    first = await first_event(bank, GET_ACCOUNT, u="alice", p="secret")
    again = await first_event(bank, GET_ACCOUNT, u="alice", p="secret")
    assert first.errors is None
    assert first.data is not None
    account = first.data["get_account"]
    assert account["iban"].startswith("NL")
    assert len(account["token"]) == 20
    assert account["reason"] is None
    assert again.data == first.data
    stored = await bank.accounts.find("alice")
    assert stored is not None
    assert "secret" not in stored.password_hash


async def test_wrong_password_is_a_reason_not_an_error(bank: InMemoryBank) -> None:
    await first_event(bank, GET_ACCOUNT, u="bob", p="right")
    wrong = await first_event(bank, GET_ACCOUNT, u="bob", p="wrong")
    assert wrong.errors is None
    assert wrong.data == {
        "get_account": {"iban": None, "token": None, "reason": "incorrect password"}
    }


async def test_overlong_username_is_refused_naming_the_argument(bank: InMemoryBank) -> None:
    result = await first_event(bank, GET_ACCOUNT, u="x" * 65, p="secret")
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "INVALID_ARGUMENT", "argument": "username"}
    assert bank.handler.sent == []


async def test_create_account_then_login_mutations(bank: InMemoryBank) -> None:
    created = await bank.schema.execute(
        CREATE, variable_values={"u": "carol", "p": "pw"}, context_value=bank.context
    )
    again = await bank.schema.execute(
        CREATE, variable_values={"u": "carol", "p": "pw"}, context_value=bank.context
    )
    login = await bank.schema.execute(
        LOGIN, variable_values={"u": "carol", "p": "pw"}, context_value=bank.context
    )
    unknown = await bank.schema.execute(
        LOGIN, variable_values={"u": "dave", "p": "pw"}, context_value=bank.context
    )
    assert created.data is not None
    assert created.data["create_account"]["__typename"] == "Account"
    assert again.data == {
        "create_account": {"__typename": "AccountRefused", "reason": "username already taken"}
    }
    assert login.data is not None
    assert login.data["login"] == created.data["create_account"]
    assert unknown.data == {"login": {"__typename": "AccountRefused", "reason": "unknown username"}}


async def test_silent_handler_times_out_with_a_clear_error(bank: InMemoryBank) -> None:
    bank.handler.silent = True
    result = await first_event(bank, GET_ACCOUNT, u="erin", p="pw")
    assert result.errors is not None
    assert "no answer from the command handler within 200 ms" in result.errors[0].message


async def test_wrong_passwords_back_off_the_address_never_the_username() -> None:
    # The server's bound (attempts per second) is not what this test is about.
    bank = in_memory_bank(hasher=CHEAP, throttle=LoginThrottle(per_second=1000))
    await first_event(bank, GET_ACCOUNT, u="victim", p="right")
    attacker = replace(bank.context, client="10.0.0.66")
    codes = []
    for _ in range(25):  # more than the old per-username limit of 20
        guess = await bank.schema.execute(
            LOGIN, variable_values={"u": "victim", "p": "guess"}, context_value=attacker
        )
        codes.append((guess.errors[0].extensions or {}).get("code") if guess.errors else None)
    assert codes[0] is None  # answered "incorrect password" at first
    assert codes[-1] == "RATE_LIMITED"
    owner = replace(bank.context, client="10.0.0.7")
    login = await bank.schema.execute(
        LOGIN, variable_values={"u": "victim", "p": "right"}, context_value=owner
    )
    assert login.errors is None
    assert login.data is not None
    assert login.data["login"]["__typename"] == "Account"
