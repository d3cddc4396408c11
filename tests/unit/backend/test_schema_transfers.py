"""money_transfer, transfer_money and deposit through the schema, over the fakes."""

from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest
from strawberry.types import ExecutionResult

from backend.api.context import ApiLimits
from command_handler.domain import DEFAULT_LIMIT_CENTS
from tests.support.backend_memory import InMemoryBank

MONEY_TRANSFER = """
subscription ($uuid: String!, $token: String!, $amount: Int!, $from: String!, $to: String!,
              $descr: String!) {
  money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to,
                 descr: $descr) { uuid success reason }
}"""
TRANSFER = """
mutation ($uuid: String!, $token: String!, $amount: Long!, $from: String!, $to: String!) {
  transfer_money(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to,
                 descr: "test") {
    __typename ... on TransferConfirmed { uuid } ... on TransferRefused { uuid reason }
  }
}"""
DEPOSIT = """
mutation ($uuid: String!, $iban: String!, $amount: Long!) {
  deposit(uuid: $uuid, iban: $iban, amount: $amount) {
    __typename ... on TransferRefused { reason }
  }
}"""
LOGIN = """
mutation ($u: String!) {
  create_account(username: $u, password: "pw") { ... on Account { iban token } }
}"""


async def open_account(bank: InMemoryBank, username: str) -> dict[str, str]:
    result = await bank.schema.execute(
        LOGIN, variable_values={"u": username}, context_value=bank.context
    )
    assert result.data is not None
    account: dict[str, str] = result.data["create_account"]
    return account


async def transfer(bank: InMemoryBank, query: str = TRANSFER, **variables: Any) -> Any:
    result = await bank.schema.execute(query, variable_values=variables, context_value=bank.context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return next(iter(result.data.values()))


async def test_deposit_then_transfer_and_each_refusal_with_its_reason(bank: InMemoryBank) -> None:
    alice = await open_account(bank, "alice")
    bob = await open_account(bank, "bob")
    deposit = await transfer(bank, DEPOSIT, uuid=str(uuid4()), iban=alice["iban"], amount=1000)
    assert deposit == {"__typename": "TransferConfirmed"}
    moved = await transfer(
        bank,
        uuid=str(uuid4()),
        token=alice["token"],
        amount="600",
        **{"from": alice["iban"]},
        to=bob["iban"],
    )
    assert moved["__typename"] == "TransferConfirmed"
    reasons: dict[str, dict[str, Any]] = {
        "invalid token": {"token": "0" * 20, "to": bob["iban"], "amount": 1},
        "insufficient funds": {"token": alice["token"], "to": bob["iban"], "amount": 100_000},
        "from and to can't be same for transfer": {
            "token": alice["token"],
            "to": alice["iban"],
            "amount": 1,
        },
    }
    for reason, variables in reasons.items():
        refused = await transfer(bank, uuid=str(uuid4()), **{"from": alice["iban"]}, **variables)
        assert refused["reason"] == reason
    unknown = await transfer(
        bank,
        uuid=str(uuid4()),
        token="t",
        amount=1,
        **{"from": "NL44OPEN0000009999"},
        to="NL71OPEN0000009998",
    )
    assert unknown["reason"] == "both to and from not known at this bank"
    page = await bank.context.transactions.by_iban(alice["iban"], 10)
    assert [t.changed_by_cents for t in page] == [-600, 1000]


async def test_an_account_goes_down_to_its_limit_and_not_a_cent_below(bank: InMemoryBank) -> None:
    alice = await open_account(bank, "alice")
    bob = await open_account(bank, "bob")
    sender = {"from": alice["iban"], "token": alice["token"], "to": bob["iban"]}
    over = await transfer(bank, uuid=str(uuid4()), amount=1 - DEFAULT_LIMIT_CENTS, **sender)
    assert over["reason"] == "insufficient funds"
    down = await transfer(bank, uuid=str(uuid4()), amount=-DEFAULT_LIMIT_CENTS, **sender)
    assert down["__typename"] == "TransferConfirmed"
    [last] = await bank.context.transactions.by_iban(alice["iban"], 1)
    assert last.new_balance_cents == DEFAULT_LIMIT_CENTS


async def test_same_uuid_twice_gets_the_same_answer_and_is_sent_once(bank: InMemoryBank) -> None:
    alice = await open_account(bank, "alice")
    uuid = uuid4()
    variables = dict(token="cash", amount=10, descr="d", to=alice["iban"], **{"from": "cash"})
    first = await subscribe_once(bank, uuid=str(uuid), **variables)
    second = await subscribe_once(bank, uuid=str(uuid).upper(), **variables)
    assert first.data == second.data
    assert first.data == {"money_transfer": {"uuid": str(uuid), "success": True, "reason": None}}
    assert sum(1 for sent in bank.handler.sent if getattr(sent, "uuid", None) == uuid) == 1


async def test_answer_is_served_from_the_store_for_ids_sent_elsewhere(bank: InMemoryBank) -> None:
    from backend.outcomes import TransferOutcome

    uuid = uuid4()
    bank.store.add_result(TransferOutcome(uuid, success=False, reason="insufficient funds"))
    # The handler would answer a repeat with its first answer; while it is down (silent),
    # the table answers once the answer is late.
    bank.handler.silent = True
    result = await subscribe_once(
        bank,
        uuid=str(uuid),
        token="t",
        amount=1,
        descr="d",
        to="cash",
        **{"from": "NL66OPEN0000000000"},
    )
    assert result.data == {
        "money_transfer": {"uuid": str(uuid), "success": False, "reason": "insufficient funds"}
    }
    assert len(bank.handler.sent) == 1  # the (repeated) command went out all the same


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("uuid", "not-a-uuid"),
        ("amount", 0),
        ("amount", -5),
        ("amount", 1_000_001),
        ("from", "<script>"),
        ("to", ""),
        ("descr", "x" * 201),
        ("token", "t" * 65),
    ],
)
async def test_bad_arguments_are_errors_naming_the_argument(
    bank: InMemoryBank, argument: str, value: object
) -> None:
    variables: dict[str, object] = dict(
        uuid=str(uuid4()),
        token="cash",
        amount=10,
        descr="d",
        to="cash",
        **{"from": "NL66OPEN0000000000"},
    )
    variables[argument] = value
    result = await subscribe_once(bank, **variables)
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "INVALID_ARGUMENT", "argument": argument}
    assert bank.handler.sent == []  # refused before anything was sent


async def test_long_scalar_refuses_values_beyond_64_bits(bank: InMemoryBank) -> None:
    result = await bank.schema.execute(
        DEPOSIT,
        variable_values={"uuid": str(uuid4()), "iban": "NL66OPEN0000000000", "amount": 2**64},
        context_value=bank.context,
    )
    assert result.errors is not None
    assert "64-bit" in result.errors[0].message


async def subscribe_once(bank: InMemoryBank, **variables: Any) -> ExecutionResult:
    stream = await bank.schema.subscribe(
        MONEY_TRANSFER, variable_values=variables, context_value=bank.context
    )
    assert not isinstance(stream, ExecutionResult), stream
    result = await anext(stream)
    await stream.aclose()
    return result


async def test_a_deposit_above_the_cap_is_refused_naming_the_amount(bank: InMemoryBank) -> None:
    alice = await open_account(bank, "alice")
    cap = 500_000
    context = replace(
        bank.context, limits=ApiLimits(max_amount_cents=10**10, max_deposit_cents=cap)
    )
    for query, variables in [
        (DEPOSIT, {"iban": alice["iban"]}),
        (TRANSFER, {"token": "cash", "from": "cash", "to": alice["iban"]}),
        (MONEY_TRANSFER, {"token": "cash", "from": "cash", "to": alice["iban"], "descr": "d"}),
    ]:
        if query is MONEY_TRANSFER:
            stream = await bank.schema.subscribe(
                query,
                variable_values={"uuid": str(uuid4()), "amount": cap + 1, **variables},
                context_value=context,
            )
            assert not isinstance(stream, ExecutionResult)
            result = await anext(stream)
            await stream.aclose()
        else:
            result = await bank.schema.execute(
                query,
                variable_values={"uuid": str(uuid4()), "amount": cap + 1, **variables},
                context_value=context,
            )
        assert result.errors is not None, query
        assert result.errors[0].extensions == {"code": "INVALID_ARGUMENT", "argument": "amount"}
        assert "a deposit can be at most €5.000,00 (500000 cents)" in result.errors[0].message
    assert bank.handler.sent == [bank.handler.sent[0]]  # only the account's creation
    exact = await bank.schema.execute(
        DEPOSIT,
        variable_values={"uuid": str(uuid4()), "iban": alice["iban"], "amount": cap},
        context_value=context,
    )
    assert exact.data == {"deposit": {"__typename": "TransferConfirmed"}}


async def test_deposits_beyond_an_address_budget_are_refused_others_still_deposit(
    bank: InMemoryBank,
) -> None:
    alice = await open_account(bank, "alice")
    cap = bank.context.limits.max_deposit_cents
    busy = replace(bank.context, client="10.0.0.66")
    codes = []
    for _ in range(12):  # the budget is ten of the largest deposits an hour
        result = await bank.schema.execute(
            DEPOSIT,
            variable_values={"uuid": str(uuid4()), "iban": alice["iban"], "amount": cap},
            context_value=busy,
        )
        codes.append((result.errors[0].extensions or {}).get("code") if result.errors else None)
    assert codes == [None] * 10 + ["RATE_LIMITED"] * 2
    assert result.errors is not None
    assert "deposits from this address are limited to €100.000,00 per hour" in str(
        result.errors[0].message
    )
    other = replace(bank.context, client="10.0.0.7")
    allowed = await bank.schema.execute(
        DEPOSIT,
        variable_values={"uuid": str(uuid4()), "iban": alice["iban"], "amount": cap},
        context_value=other,
    )
    assert allowed.errors is None
