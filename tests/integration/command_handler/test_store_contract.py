"""The storage port's contract, run against the in-memory store and against PostgreSQL of the
stack: redelivery, iban clashes, concurrent batches, decided order, answers in doubt."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import sqlalchemy as sa

from command_handler.domain import DEFAULT_LIMIT_CENTS, reasons
from command_handler.handling import DecodedCommand, HandledBatch, handle_commands
from command_handler.storage import (
    CommandStore,
    MessageSource,
    StorageUnavailableError,
)
from command_handler.storage.postgres import PostgresStore
from tests.support.company import COMPANY_TEST_TOKEN
from tests.support.memory_store import MemoryStore
from topology.iban import COMPANY_IBAN
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


@pytest.fixture(params=["memory", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[CommandStore]:
    """Each contract test runs on both adapters of the port."""
    if request.param == "memory":
        yield MemoryStore()
        return
    url: str = request.getfixturevalue("throwaway_database")
    postgres = PostgresStore(url)
    yield postgres
    postgres.close()


def _handle(
    store: CommandStore, batch: Sequence[DecodedCommand], rng: random.Random
) -> HandledBatch:
    """One batch in one transaction, as the service does."""
    with store.transaction() as transaction:
        return handle_commands(transaction, batch, rng)


def _at(
    offset: int, *commands: ConfirmAccountCreation | ConfirmMoneyTransfer
) -> list[DecodedCommand]:
    return [DecodedCommand(c, MessageSource(0, offset + i), 0) for i, c in enumerate(commands)]


def _balances(store: CommandStore, ibans: Sequence[str]) -> dict[str, int]:
    with store.transaction() as transaction:
        return {i: a.balance_cents for i, a in transaction.lock_accounts(ibans).items()}


def test_company_account_is_seeded(store: CommandStore) -> None:
    with store.transaction() as transaction:
        company = transaction.lock_accounts([COMPANY_IBAN])[COMPANY_IBAN]
    assert (company.token, company.balance_cents, company.limit_cents) == (
        COMPANY_TEST_TOKEN,
        10**17,
        DEFAULT_LIMIT_CENTS,
    )


def test_a_clashing_generated_iban_fails_with_the_original_text(store: CommandStore) -> None:
    first = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    second = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    # The same seed generates the same iban twice: the second creation must clash.
    opened = _handle(store, _at(0, first), random.Random(7)).outgoing[0].record
    clash = _handle(store, _at(1, second), random.Random(7)).outgoing[0].record
    assert isinstance(opened, AccountCreationConfirmed)
    assert clash == AccountCreationFailed(id=second.id, reason=reasons.IBAN_EXISTS)


def test_a_redelivered_batch_publishes_the_same_records_and_changes_nothing(
    store: CommandStore,
) -> None:
    rng = random.Random(1)
    opening = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL)
    account = _handle(store, _at(0, opening), rng).outgoing[0].record
    assert isinstance(account, AccountCreationConfirmed)
    salary = ConfirmMoneyTransfer(
        uuid.uuid4(), COMPANY_TEST_TOKEN, 5_000, COMPANY_IBAN, account.iban, "salary"
    )
    batch = _at(10, salary, salary)  # the second is a client retry of the same id
    first = _handle(store, batch, rng)
    again = _handle(store, batch, rng)  # the same messages read again after a crash
    balance = _balances(store, [account.iban])[account.iban]
    confirmed = MoneyTransferConfirmed(id=salary.id)
    changes = [
        BalanceChanged(COMPANY_IBAN, 10**17 - 5_000, -5_000, account.iban, "salary", salary.id),
        BalanceChanged(account.iban, 5_000, 5_000, COMPANY_IBAN, "salary", salary.id),
    ]
    published = [o.record for o in first.outgoing]
    numbers = [r.decided or 0 for r in published if isinstance(r, BalanceChanged)]
    assert all(n > 0 for n in numbers)  # every change is numbered
    assert numbers == sorted(set(numbers))
    changes = [replace(c, decided=n) for c, n in zip(changes, numbers, strict=True)]
    assert published == [confirmed, *changes, confirmed]
    # Read again: the stored changes come first (they were decided before anything new),
    # with the numbers they were first published with.
    assert [o.record for o in again.outgoing] == [*changes, confirmed, confirmed]
    assert first.outcomes == [("money_transfer", "confirmed"), ("money_transfer", "replayed")]
    assert balance == 5_000


def test_concurrent_batches_on_the_same_accounts_lose_no_update(store: CommandStore) -> None:
    rng = random.Random(3)
    openings = [ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO) for _ in range(3)]
    records = [o.record for o in _handle(store, _at(0, *openings), rng).outgoing]
    accounts = [r for r in records if isinstance(r, AccountCreationConfirmed)]
    assert len(accounts) == 3

    ids: list[uuid.UUID] = []

    def work(seed: int) -> None:
        local = random.Random(seed)
        # One connection per worker, as each handler instance has its own.
        own = store if isinstance(store, MemoryStore) else PostgresStore(_url(store))
        for round_ in range(20):
            batch = []
            for _ in range(20):
                a, b = local.sample(accounts, 2)
                batch.append(
                    ConfirmMoneyTransfer(
                        uuid.uuid4(), a.token, local.randint(1, 900), a.iban, b.iban, "c"
                    )
                )
            ids.extend(c.id for c in batch)
            # Several transactions at once lock the same rows: they must queue, not lose.
            _handle(own, _at(seed * 10_000 + round_ * 100, *batch), local)
        if own is not store:
            own.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        # result() re-raises a worker's failure here.
        for future in [pool.submit(work, seed) for seed in range(4)]:
            future.result()
    balances = _balances(store, [a.iban for a in accounts])
    with store.transaction() as transaction:
        changes = transaction.load_balance_changes(ids)
        answers = transaction.load_answers(ids, [])
    ledger: dict[str, int] = {}
    for change in changes:
        ledger[change.iban] = ledger.get(change.iban, 0) + change.changed_by
        # In `decided` order each account's changes chain, however the batches interleaved.
        assert change.new_balance == ledger[change.iban], change
    assert [c.decided for c in changes] == sorted({c.decided for c in changes if c.decided})
    assert len(answers.transfers) == 4 * 20 * 20
    assert sum(balances.values()) == 0
    assert ledger == balances
    assert min(balances.values()) >= DEFAULT_LIMIT_CENTS


def _url(store: CommandStore) -> str:
    assert isinstance(store, PostgresStore)
    return store.url


def test_republished_changes_keep_the_order_they_were_decided_in(store: CommandStore) -> None:
    rng = random.Random(5)
    opening = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    account = _handle(store, _at(0, opening), rng).outgoing[0].record
    assert isinstance(account, AccountCreationConfirmed)
    deposits = [
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", 100 * (n + 1), "cash", account.iban, "d")
        for n in range(3)
    ]
    first = [DecodedCommand(c, MessageSource(n, 7), 0) for n, c in enumerate(deposits)]
    _handle(store, first, rng)
    # Read again with the partitions interleaved the other way round.
    again = _handle(store, list(reversed(first)), rng)
    balances = [
        o.record.new_balance for o in again.outgoing if isinstance(o.record, BalanceChanged)
    ]
    assert balances == [100, 300, 600]


def test_the_last_stored_transfer_beyond_each_committed_offset(store: CommandStore) -> None:
    deposit = [
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", 100, "cash", COMPANY_IBAN, "d") for _ in range(4)
    ]
    batch = [
        DecodedCommand(deposit[0], MessageSource(0, 7), 0),
        DecodedCommand(deposit[1], MessageSource(0, 9), 0),
        DecodedCommand(deposit[2], MessageSource(1, 3), 0),
        DecodedCommand(deposit[3], MessageSource(2, 4), 0),
        # Account creations publish no BalanceChanged: not what the question is about.
        DecodedCommand(ConfirmAccountCreation(uuid.uuid4(), Atype.AUTO), MessageSource(0, 12), 0),
    ]
    _handle(store, batch, random.Random(3))

    # Partition 0: 9 (7 is below its committed 8); 1: nothing at or beyond 4; 2: its 4.
    assert store.last_stored_offsets({0: 8, 1: 4, 2: 4, 5: 0}) == {0: 9, 2: 4}
    assert store.last_stored_offsets({}) == {}


# PostgreSQL only: what the adapter itself must do.


def test_a_dropped_connection_fails_one_batch_and_the_retry_reconnects(
    throwaway_database: str, admin_database_url: str
) -> None:
    # No ping before a batch: after PostgreSQL restarts (or kills the session), one batch
    # fails as unavailable (the loop backs off and retries it) and the retry reconnects.
    store = PostgresStore(throwaway_database)
    with store.transaction() as transaction:
        row = transaction.connection.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    admin = sa.create_engine(admin_database_url)
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": row[0]})
    admin.dispose()
    with pytest.raises(StorageUnavailableError), store.transaction() as transaction:
        transaction.connection.execute("SELECT 1")
    with store.transaction() as transaction:
        again = transaction.connection.execute("SELECT pg_backend_pid()").fetchone()
    store.close()
    assert again is not None
    assert again[0] != row[0]


def test_the_migrated_limit_is_the_domain_s(throwaway_database: str) -> None:
    engine = sa.create_engine(throwaway_database)
    with engine.connect() as connection:
        default = connection.execute(
            sa.text(
                "SELECT column_default FROM information_schema.columns"
                " WHERE table_name = 'balance' AND column_name = 'lmt'"
            )
        ).scalar_one()
    engine.dispose()
    assert int(str(default).split("::")[0].strip("()'")) == DEFAULT_LIMIT_CENTS


def test_the_libpq_url_has_no_driver() -> None:
    assert PostgresStore("postgresql+psycopg://u:p%40@127.0.0.1:5433/d").url == (
        "postgresql://u:p%40@127.0.0.1:5433/d"
    )
