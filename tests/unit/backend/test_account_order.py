"""An account's newest change is the last decided one, whatever order the log holds them in.

Two handler instances can publish an account's BalanceChanged out of decided order
(docs/reliability.md, "Per-account order"): the projector stores each under its Kafka
coordinates with its `decided` number, and every "newest first" read orders by that number.
The store here is the in-memory one; tests/integration/backend/test_storage_contract.py
holds PostgreSQL's to the same contract.
"""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from backend.feedback import transaction_view
from tests.support.backend_memory import InMemoryTransactionStore
from topology.records import BalanceChanged

IBAN = "NL66OPEN0000000000"

# An account's changes as decided: amounts in cents and the gaps between ledger numbers.
decided_changes = st.lists(
    st.tuples(st.integers(-10_000, 10_000), st.integers(1, 1_000)), min_size=1, max_size=25
)


def _chain(changes: list[tuple[int, int]]) -> list[BalanceChanged]:
    """The account's BalanceChanged in decided order: every one chains on the one before."""
    balance, number, chain = 0, 0, []
    for amount, gap in changes:
        balance += amount
        number += gap
        chain.append(BalanceChanged(IBAN, balance, amount, "cash", "t", decided=number))
    return chain


@given(decided_changes, st.data())
def test_the_newest_balance_is_the_last_decided_whatever_the_arrival_order(
    changes: list[tuple[int, int]], data: st.DataObject
) -> None:
    chain = _chain(changes)
    arrived = data.draw(st.permutations(chain))
    store = InMemoryTransactionStore()
    for offset, record in enumerate(arrived):  # the log's order: one partition, one account
        store.add_transaction(transaction_view(record, 0, offset, 1_000 + offset))

    newest_first = asyncio.run(store.by_iban(IBAN, len(chain)))
    (last,) = asyncio.run(store.last_per_iban())

    assert [t.decided for t in newest_first] == [c.decided for c in reversed(chain)]
    assert newest_first[0].new_balance_cents == chain[-1].new_balance == last.new_balance_cents
    # Read oldest first, the balances chain again.
    balances = [t.new_balance_cents for t in reversed(newest_first)]
    steps = [t.changed_by_cents for t in reversed(newest_first)]
    assert balances == [sum(steps[: i + 1]) for i in range(len(steps))]


def test_unnumbered_changes_from_before_come_first() -> None:
    """Events written before `decided` existed are older than every numbered one."""
    store = InMemoryTransactionStore()
    old = BalanceChanged(IBAN, 50, 50, "cash", "old")
    new = BalanceChanged(IBAN, 70, 20, "cash", "new", decided=3)
    store.add_transaction(transaction_view(new, 0, 4))
    store.add_transaction(transaction_view(old, 0, 9))
    newest_first = asyncio.run(store.by_iban(IBAN, 5))
    assert [t.description for t in newest_first] == ["new", "old"]
