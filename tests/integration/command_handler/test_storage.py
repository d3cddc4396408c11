"""The batch transaction on the stack's PostgreSQL: redelivery, iban clashes, row locks."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import sqlalchemy as sa

from command_handler.domain import reasons
from command_handler.handling import DecodedCommand, HandledBatch, handle_commands
from command_handler.storage import Database, MessageSource
from topology.iban import COMPANY_IBAN, COMPANY_TOKEN
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    Atype,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
)

pytestmark = pytest.mark.integration


def _handle(url: str, batch: Sequence[DecodedCommand], rng: random.Random) -> HandledBatch:
    """One batch in one transaction, on a connection of its own (as the service does)."""
    database = Database(url)
    try:
        with database.transaction() as connection:
            return handle_commands(connection, batch, rng)
    finally:
        database.close()


def _at(
    offset: int, *commands: ConfirmAccountCreation | ConfirmMoneyTransfer
) -> list[DecodedCommand]:
    return [DecodedCommand(c, MessageSource(0, offset + i), 0) for i, c in enumerate(commands)]


def test_company_account_is_seeded(throwaway_database: str) -> None:
    engine = sa.create_engine(throwaway_database)
    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT token, amount, lmt FROM balance WHERE iban = :i"), {"i": COMPANY_IBAN}
        ).one()
    engine.dispose()
    assert tuple(row) == (COMPANY_TOKEN, 10**17, -50_000)


def test_a_clashing_generated_iban_fails_with_the_original_text(throwaway_database: str) -> None:
    first = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    second = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    # The same seed generates the same iban twice: the second creation must clash.
    opened = _handle(throwaway_database, _at(0, first), random.Random(7)).outgoing[0].record
    clash = _handle(throwaway_database, _at(1, second), random.Random(7)).outgoing[0].record
    assert isinstance(opened, AccountCreationConfirmed)
    assert clash == AccountCreationFailed(id=second.id, reason=reasons.IBAN_EXISTS)


def test_a_redelivered_batch_publishes_the_same_records_and_changes_nothing(
    throwaway_database: str,
) -> None:
    engine = sa.create_engine(throwaway_database)
    rng = random.Random(1)
    opening = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL)
    account = _handle(throwaway_database, _at(0, opening), rng).outgoing[0].record
    assert isinstance(account, AccountCreationConfirmed)
    salary = ConfirmMoneyTransfer(
        uuid.uuid4(), COMPANY_TOKEN, 5_000, COMPANY_IBAN, account.iban, "salary"
    )
    batch = _at(10, salary, salary)  # the second is a client retry of the same id
    first = _handle(throwaway_database, batch, rng)
    again = _handle(throwaway_database, batch, rng)  # the same messages read again after a crash
    with engine.connect() as connection:
        balance = connection.execute(
            sa.text("SELECT amount FROM balance WHERE iban = :i"), {"i": account.iban}
        ).scalar_one()
    engine.dispose()
    confirmed = MoneyTransferConfirmed(id=salary.id)
    changes = [
        BalanceChanged(COMPANY_IBAN, 10**17 - 5_000, -5_000, account.iban, "salary"),
        BalanceChanged(account.iban, 5_000, 5_000, COMPANY_IBAN, "salary"),
    ]
    assert [o.record for o in first.outgoing] == [confirmed, *changes, confirmed]
    # Read again: the stored changes come first (they were decided before anything new).
    assert [o.record for o in again.outgoing] == [*changes, confirmed, confirmed]
    assert first.outcomes == [("money_transfer", "confirmed"), ("money_transfer", "replayed")]
    assert balance == 5_000


def test_concurrent_batches_on_the_same_accounts_lose_no_update(throwaway_database: str) -> None:
    engine = sa.create_engine(throwaway_database, pool_size=4)
    rng = random.Random(3)
    openings = [ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO) for _ in range(3)]
    records = [o.record for o in _handle(throwaway_database, _at(0, *openings), rng).outgoing]
    accounts = [r for r in records if isinstance(r, AccountCreationConfirmed)]
    assert len(accounts) == 3

    def work(seed: int) -> None:
        local = random.Random(seed)
        for round_ in range(20):
            batch = []
            for _ in range(20):
                a, b = local.sample(accounts, 2)
                batch.append(
                    ConfirmMoneyTransfer(
                        uuid.uuid4(), a.token, local.randint(1, 900), a.iban, b.iban, "c"
                    )
                )
            # Several transactions at once lock the same rows: they must queue, not lose.
            _handle(throwaway_database, _at(seed * 10_000 + round_ * 100, *batch), local)

    with ThreadPoolExecutor(max_workers=4) as pool:
        # result() re-raises a worker's failure here.
        for future in [pool.submit(work, seed) for seed in range(4)]:
            future.result()
    with engine.connect() as connection:
        balances = {
            str(r[0]): int(r[1])
            for r in connection.execute(
                sa.text("SELECT iban, amount FROM balance WHERE iban <> :c"), {"c": COMPANY_IBAN}
            )
        }
        ledger = {
            str(r[0]): int(r[1])
            for r in connection.execute(
                sa.text("SELECT iban, sum(changed_by) FROM balance_change GROUP BY iban")
            )
        }
        answers = connection.execute(
            sa.text("SELECT count(*) FROM money_transfer_answer")
        ).scalar_one()
    engine.dispose()
    assert answers == 4 * 20 * 20
    assert sum(balances.values()) == 0
    assert ledger == balances
    assert min(balances.values()) >= -50_000


def test_republished_changes_keep_the_order_they_were_decided_in(
    throwaway_database: str,
) -> None:
    rng = random.Random(5)
    opening = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    account = _handle(throwaway_database, _at(0, opening), rng).outgoing[0].record
    assert isinstance(account, AccountCreationConfirmed)
    deposits = [
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", 100 * (n + 1), "cash", account.iban, "d")
        for n in range(3)
    ]
    first = [DecodedCommand(c, MessageSource(n, 7), 0) for n, c in enumerate(deposits)]
    _handle(throwaway_database, first, rng)
    # Read again with the partitions interleaved the other way round.
    again = _handle(throwaway_database, list(reversed(first)), rng)
    balances = [
        o.record.new_balance for o in again.outgoing if isinstance(o.record, BalanceChanged)
    ]
    assert balances == [100, 300, 600]


def test_a_dropped_connection_fails_one_batch_and_the_retry_reconnects(
    throwaway_database: str, admin_database_url: str
) -> None:
    # No ping before a batch: after PostgreSQL restarts (or kills the session), one batch
    # fails with OperationalError (the loop backs off and retries it) and the retry gets a
    # new connection.
    database = Database(throwaway_database)
    with database.transaction() as connection:
        row = connection.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    admin = sa.create_engine(admin_database_url)
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": row[0]})
    admin.dispose()
    with pytest.raises(psycopg.OperationalError), database.transaction() as connection:
        connection.execute("SELECT 1")
    with database.transaction() as connection:
        again = connection.execute("SELECT pg_backend_pid()").fetchone()
    database.close()
    assert again is not None
    assert again[0] != row[0]
