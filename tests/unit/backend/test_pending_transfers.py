"""A transfer not answered within the wait is pending, not failed, and its answer follows."""

import asyncio
import time
from typing import Any
from uuid import uuid4

from strawberry.types import ExecutionResult

from backend.outcomes import TransferCommand
from tests.support.backend_memory import InMemoryBank

MONEY_TRANSFER = """
subscription ($uuid: String!, $iban: String!) {
  money_transfer(uuid: $uuid, token: "cash", amount: 500, from: "cash", to: $iban,
                 descr: "deposit") { uuid success reason pending }
}"""
DEPOSIT = """
mutation ($uuid: String!, $iban: String!) {
  deposit(uuid: $uuid, iban: $iban, amount: 500) {
    __typename ... on TransferPending { uuid } ... on TransferConfirmed { uuid }
  }
}"""
LOGIN = """mutation {
  create_account(username: "alice", password: "pw") { ... on Account { iban } }
}"""


async def open_account(bank: InMemoryBank) -> str:
    result = await bank.schema.execute(LOGIN, context_value=bank.context)
    assert result.data is not None
    iban: str = result.data["create_account"]["iban"]
    return iban


async def deposit(bank: InMemoryBank, uuid: str, iban: str) -> Any:
    result = await bank.schema.execute(
        DEPOSIT, variable_values={"uuid": uuid, "iban": iban}, context_value=bank.context
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data["deposit"]


def decide_later(bank: InMemoryBank, delay_s: float) -> None:
    """The handler comes back after ``delay_s`` and decides what it was sent."""

    def come_back() -> None:
        bank.handler.silent = False
        [command] = {c for c in bank.handler.sent if isinstance(c, TransferCommand)}
        bank.handler.send_money_transfer(command)

    asyncio.get_running_loop().call_later(delay_s, come_back)


async def test_the_subscription_says_pending_then_the_result_the_moment_it_is_decided(
    bank: InMemoryBank,
) -> None:
    iban = await open_account(bank)
    bank.handler.silent = True
    uuid = str(uuid4())
    stream = await bank.schema.subscribe(
        MONEY_TRANSFER, variable_values={"uuid": uuid, "iban": iban}, context_value=bank.context
    )
    assert not isinstance(stream, ExecutionResult), stream
    first = await anext(stream)
    assert first.errors is None, first.errors
    assert first.data == {
        "money_transfer": {"uuid": uuid, "success": None, "reason": None, "pending": True}
    }
    decide_later(bank, 0.1)
    started = time.monotonic()
    second = await anext(stream)
    waited = time.monotonic() - started
    assert second.data == {
        "money_transfer": {"uuid": uuid, "success": True, "reason": None, "pending": False}
    }
    assert waited < 1.0, f"the decided answer came {waited:.2f} s late"
    assert [r.data async for r in stream] == []  # then the subscription ends
    history = await bank.store.by_iban(iban, 10)
    assert [t.changed_by_cents for t in history] == [500]  # booked once


async def test_a_prompt_answer_is_one_result_not_pending(bank: InMemoryBank) -> None:
    iban = await open_account(bank)
    stream = await bank.schema.subscribe(
        MONEY_TRANSFER,
        variable_values={"uuid": str(uuid4()), "iban": iban},
        context_value=bank.context,
    )
    assert not isinstance(stream, ExecutionResult), stream
    results = [r.data async for r in stream]
    assert len(results) == 1
    assert results[0] is not None
    assert results[0]["money_transfer"]["pending"] is False
    assert results[0]["money_transfer"]["success"] is True


async def test_the_mutation_answers_pending_and_asking_again_gives_the_decided_answer(
    bank: InMemoryBank,
) -> None:
    iban = await open_account(bank)
    bank.handler.silent = True
    uuid = str(uuid4())
    assert await deposit(bank, uuid, iban) == {"__typename": "TransferPending", "uuid": uuid}
    bank.handler.silent = False
    assert await deposit(bank, uuid, iban) == {"__typename": "TransferConfirmed", "uuid": uuid}
    assert await deposit(bank, uuid, iban) == {"__typename": "TransferConfirmed", "uuid": uuid}
    history = await bank.store.by_iban(iban, 10)
    assert [t.changed_by_cents for t in history] == [500]  # three answers, one booking
