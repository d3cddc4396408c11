"""The account query's ``at``: the balance and transactions as they were then, over the fakes."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from backend.moments import parse_moment
from backend.validation import InvalidArgumentError
from tests.support.backend_memory import InMemoryBank
from tests.unit.backend.test_schema_transfers import DEPOSIT, open_account, transfer

ACCOUNT = """
query ($iban: String!, $at: String) {
  account(iban: $iban, at: $at, max_items: 10) {
    iban at balance balance_cents transactions { changed_by_cents new_balance_cents }
  }
}"""


async def account(bank: InMemoryBank, iban: str, at: str | None) -> Any:
    result = await bank.schema.execute(
        ACCOUNT, variable_values={"iban": iban, "at": at}, context_value=bank.context
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data["account"]


async def deposit(bank: InMemoryBank, iban: str, cents: int) -> None:
    done = await transfer(bank, DEPOSIT, uuid=str(uuid4()), iban=iban, amount=cents)
    assert done == {"__typename": "TransferConfirmed"}


async def test_at_before_a_deposit_gives_the_earlier_balance(bank: InMemoryBank) -> None:
    iban = (await open_account(bank, "alice"))["iban"]
    await deposit(bank, iban, 1000)
    await asyncio.sleep(0.01)  # the fakes stamp events with the clock, in milliseconds
    between = datetime.now(UTC)
    await asyncio.sleep(0.01)
    await deposit(bank, iban, 250)

    earlier = await account(bank, iban, between.isoformat())
    assert earlier["balance_cents"] == 1000
    assert earlier["balance"] == "€10,00"
    assert earlier["transactions"] == [{"changed_by_cents": 1000, "new_balance_cents": 1000}]
    now = await account(bank, iban, None)
    assert now["balance_cents"] == 1250
    assert [t["changed_by_cents"] for t in now["transactions"]] == [250, 1000]
    before_all = await account(bank, iban, (between - timedelta(days=1)).isoformat())
    assert before_all == {**before_all, "balance": None, "balance_cents": None, "transactions": []}


async def test_a_bad_at_is_refused_with_a_clear_error(bank: InMemoryBank) -> None:
    iban = (await open_account(bank, "bob"))["iban"]
    result = await bank.schema.execute(
        ACCOUNT, variable_values={"iban": iban, "at": "yesterday"}, context_value=bank.context
    )
    assert result.errors is not None
    [error] = result.errors
    assert "invalid argument at: 'yesterday' is not an ISO 8601 moment" in error.message
    assert error.extensions == {"code": "INVALID_ARGUMENT", "argument": "at"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05T08:00:00Z", datetime(2026, 12, 5, 8, tzinfo=UTC)),
        ("2026-12-05T09:00:00+01:00", datetime(2026, 12, 5, 8, tzinfo=UTC)),
        ("2026-12-05 08:00", datetime(2026, 12, 5, 8, tzinfo=UTC)),
        ("2026-12-05", datetime(2026, 12, 5, tzinfo=UTC)),
    ],
)
def test_iso_moments_are_read_and_a_missing_offset_is_utc(text: str, expected: datetime) -> None:
    assert parse_moment("at", text) == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-13-01", "1" * 100, "2026-12-05T25:00"])
def test_what_is_no_moment_names_the_argument(text: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"invalid argument at: .*ISO 8601"):
        parse_moment("at", text)
