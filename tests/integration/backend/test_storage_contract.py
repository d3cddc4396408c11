"""One contract for the transaction and account stores, run on memory and on PostgreSQL.

The PostgreSQL side uses a throwaway database (created through the superuser's socket,
migrated with the backend's alembic scripts, dropped afterwards).
"""

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from backend.outcomes import TransactionView, TransferOutcome
from backend.ports import AccountRecord, AccountStore, TransactionStore
from backend.storage.migrate import upgrade_database
from backend.storage.stores import PostgresAccountStore, PostgresTransactionStore
from backend.storage.writer import ProjectionWriter
from tests.support.backend_memory import InMemoryAccountStore, InMemoryTransactionStore

pytestmark = pytest.mark.integration

IBAN = "NL66OPEN0000000000"
OTHER = "NL44OPEN0000009999"
Write = Callable[[Sequence[TransactionView], Sequence[TransferOutcome]], None]


@dataclass
class Stores:
    transactions: TransactionStore
    accounts: AccountStore
    write: Write


@pytest.fixture(scope="module")
def database_url(admin_database_url: str) -> Iterator[str]:
    name = f"test_backend_{uuid4().hex[:12]}"
    admin = sa.create_engine(admin_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(admin_database_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        upgrade_database(url)  # a second start finds nothing to do
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["memory", "postgres"])
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[Stores]:
    if request.param == "memory":
        memory = InMemoryTransactionStore()

        def write_memory(
            transactions: Sequence[TransactionView], results: Sequence[TransferOutcome]
        ) -> None:
            for transaction in transactions:
                memory.add_transaction(transaction)
            for result in results:
                memory.add_result(result)

        yield Stores(memory, InMemoryAccountStore(), write_memory)
        return
    url: str = request.getfixturevalue("database_url")
    engine = create_async_engine(url)
    writer_engine = sa.create_engine(url)
    with writer_engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE transactions, transfer_results, accounts")
    try:
        yield Stores(
            PostgresTransactionStore(engine),
            PostgresAccountStore(engine),
            ProjectionWriter(writer_engine).write,
        )
    finally:
        await engine.dispose()
        writer_engine.dispose()


def view(id_: int, iban: str = IBAN, cents: int = 100, balance: int = 100) -> TransactionView:
    return TransactionView(id_, iban, balance, cents, "cash", f"t{id_}")


async def test_queries_newest_first_with_keyset_pages(stores: Stores) -> None:
    stores.write([view(i) for i in (6, 12, 18)] + [view(7, OTHER, -5, -5)], [])
    assert [t.id for t in await stores.transactions.by_iban(IBAN, 10)] == [18, 12, 6]
    assert [t.id for t in await stores.transactions.by_iban(IBAN, 1, before_id=18)] == [12]
    assert await stores.transactions.by_id(7) == view(7, OTHER, -5, -5)
    assert await stores.transactions.by_id(999) is None
    last = await stores.transactions.last_per_iban()
    assert [(t.iban, t.id) for t in last] == [(OTHER, 7), (IBAN, 18)]


async def test_replayed_batches_change_nothing(stores: Stores) -> None:
    uuid = uuid4()
    batch = [view(6, cents=10**17, balance=10**17)]
    stores.write(batch, [TransferOutcome(uuid, success=True)])
    stores.write(batch, [TransferOutcome(uuid, success=False, reason="later, different")])
    assert await stores.transactions.by_iban(IBAN, 10) == batch
    assert await stores.transactions.transfer_result(uuid) == TransferOutcome(uuid, True, None)
    assert await stores.transactions.transfer_result(UUID(int=1)) is None


async def test_accounts_first_registration_wins(stores: Stores) -> None:
    first = AccountRecord("alice", "hash-1", uuid4())
    assert await stores.accounts.add(first) == first
    assert await stores.accounts.add(AccountRecord("alice", "hash-2", uuid4())) == first
    assert await stores.accounts.find("alice") == first
    await stores.accounts.remove(AccountRecord("alice", "hash-1", uuid4()))  # not that one
    assert await stores.accounts.find("alice") == first
    await stores.accounts.remove(first)
    assert await stores.accounts.find("alice") is None


async def test_one_batch_keeps_the_first_of_repeats_and_any_text(stores: Stores) -> None:
    # Rows travel as one array per column: quotes, braces, commas, NUL-free unicode and
    # NULL reasons must come back unchanged, and a repeat inside one batch is skipped.
    awkward = 'a "quoted", {braced} \\ back-slashed, ünïcode € and NULL'
    first, again = uuid4(), uuid4()
    stores.write(
        [
            view(6),
            TransactionView(6, IBAN, 1, 1, "other", "repeat"),
            view(13, OTHER),
            TransactionView(20, IBAN, -5, -105, awkward, awkward),
        ],
        [
            TransferOutcome(first, success=False, reason=awkward),
            TransferOutcome(first, success=True),
            TransferOutcome(again, success=True),
        ],
    )
    assert await stores.transactions.by_iban(IBAN, 10) == [
        TransactionView(20, IBAN, -5, -105, awkward, awkward),
        view(6),
    ]
    assert await stores.transactions.transfer_result(first) == TransferOutcome(
        first, False, awkward
    )
    assert await stores.transactions.transfer_result(again) == TransferOutcome(again, True, None)


async def test_an_empty_batch_writes_nothing(stores: Stores) -> None:
    stores.write([], [])
    assert await stores.transactions.by_iban(IBAN, 10) == []


async def test_as_of_gives_the_rows_that_had_happened_by_then(stores: Stores) -> None:
    # Epoch milliseconds of 2026-12-05 08:00:00.123 UTC, then one and two hours later.
    t0 = 1_796_457_600_123
    hour = 3_600_000
    rows = [
        TransactionView(6, IBAN, 100, 100, "cash", "a", changed_at_ms=t0),
        TransactionView(12, IBAN, 150, 50, "cash", "b", changed_at_ms=t0 + hour),
        TransactionView(18, IBAN, 120, -30, "x", "c", changed_at_ms=t0 + 2 * hour),
        TransactionView(7, OTHER, 9, 9, "cash", "d", changed_at_ms=t0),
    ]
    stores.write(rows, [])
    moment = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    assert await stores.transactions.as_of(IBAN, moment, 10) == [rows[1], rows[0]]
    assert await stores.transactions.as_of(IBAN, moment, 1) == [rows[1]]
    exactly = datetime.fromtimestamp((t0 + hour) / 1000, UTC)  # the millisecond kept
    assert [t.id for t in await stores.transactions.as_of(IBAN, exactly, 10)] == [12, 6]
    assert await stores.transactions.as_of(IBAN, moment - timedelta(days=1), 10) == []
    assert await stores.transactions.by_id(18) == rows[2]


async def test_an_accounts_changes_are_newest_first_in_decided_order(stores: Stores) -> None:
    # Two handler instances: the change decided 20 reaches the log after the one decided 30
    # (a larger id, a later timestamp). Row 3 is from before the handler numbered changes.
    t0 = 1_796_457_600_000
    hour = 3_600_000
    old = TransactionView(3, IBAN, 50, 50, "cash", "old", changed_at_ms=t0 - hour)
    first = TransactionView(6, IBAN, 100, 50, "cash", "a", changed_at_ms=t0, decided=10)
    latest = TransactionView(12, IBAN, 130, 10, "cash", "c", changed_at_ms=t0 + hour, decided=30)
    late = TransactionView(18, IBAN, 120, 20, "cash", "b", changed_at_ms=t0 + 2 * hour, decided=20)
    other = TransactionView(24, OTHER, 9, 9, "cash", "d", changed_at_ms=t0, decided=25)
    stores.write([old, first, latest], [])
    stores.write([late, other], [])

    newest_first = [latest, late, first, old]
    assert await stores.transactions.by_iban(IBAN, 10) == newest_first
    pages = [await stores.transactions.by_iban(IBAN, 1, before_id=t.id) for t in newest_first]
    assert pages == [[late], [first], [old], []]
    assert await stores.transactions.last_per_iban() == [other, latest]
    moment = datetime.fromtimestamp((t0 + hour + hour // 2) / 1000, UTC)
    assert await stores.transactions.as_of(IBAN, moment, 10) == [latest, first, old]
    later = datetime.fromtimestamp((t0 + 3 * hour) / 1000, UTC)
    assert (await stores.transactions.as_of(IBAN, later, 1))[0].new_balance_cents == 130
