"""The checks of faults.invariants: quiet on a consistent history, loud on each kind of break.

`_bank` plays a tiny correct bank (deposits, payments to the company, withdrawals) and
records what the real stores would hold; hypothesis then breaks one thing at a time and
asserts the right check notices.
"""

from __future__ import annotations

import dataclasses
import uuid

from hypothesis import given
from hypothesis import strategies as st

from backend.transaction_ids import transaction_id
from tests.support.faults.invariants import (
    backend_projected_once,
    balances_follow_changes,
    changes_in_account_order,
    changes_in_log_order,
    changes_published_once,
    check_all,
    check_order,
    feedback_exactly_once,
    money_conserved,
    money_moved,
    no_lag,
    no_open_transaction,
)
from tests.support.faults.observation import (
    BackendRow,
    ChangeEvent,
    CommandSeen,
    FeedbackSeen,
    LedgerRow,
    Observation,
)

COMPANY = "NL66OPEN0000000000"
SEED = 10**17
PARTITIONS = 3

# (kind, account index, amount in cents): kind 0 deposit, 1 pay company, 2 withdraw.
operations = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(1, 10_000)), max_size=30
)


def _bank(ops: list[tuple[int, int, int]]) -> Observation:
    seen = Observation(change_partitions=PARTITIONS, start_balances={COMPANY: SEED})
    accounts = [f"NL00OPEN000000000{n}" for n in range(3)]
    balances = {COMPANY: SEED} | dict.fromkeys(accounts, 0)
    offsets = [0] * PARTITIONS
    decided = iter(range(7, 10**6, 3))  # the ledger's numbers: increasing, with gaps
    for iban in accounts:
        command = uuid.uuid4()
        seen.commands.append(CommandSeen(command, False))
        seen.feedback.append(FeedbackSeen(command, True, iban))

    def change(iban: str, delta: int, other: str) -> None:
        balances[iban] += delta
        partition = sum(map(ord, iban)) % PARTITIONS
        event = ChangeEvent(
            partition, offsets[partition], iban, balances[iban], delta, other, "test", next(decided)
        )
        offsets[partition] += 1
        seen.changes.append(event)
        seen.ledger.append(LedgerRow(*event.content()))
        row_id = transaction_id(partition, event.offset, PARTITIONS)
        seen.backend_rows.append(BackendRow(row_id, *event.content()))

    for kind, index, amount in ops:
        iban = accounts[index]
        command = uuid.uuid4()
        source, target = [("cash", iban), (iban, COMPANY), (iban, "cash")][kind]
        seen.commands.append(CommandSeen(command, True, source, target, amount))
        allowed = source == "cash" or balances[source] - amount >= -50_000
        seen.feedback.append(FeedbackSeen(command, allowed))
        if allowed:
            if source != "cash":
                change(source, -amount, target)
            if target != "cash":
                change(target, amount, source)
    seen.balances = balances
    return seen


@given(operations)
def test_a_correct_history_breaks_nothing(ops: list[tuple[int, int, int]]) -> None:
    assert check_all(_bank(ops)) == []


@given(operations)
def test_money_moved_counts_deposits_in_and_withdrawals_out(
    ops: list[tuple[int, int, int]],
) -> None:
    seen = _bank(ops)
    entered, left = money_moved(seen)
    assert entered == sum(a for k, _, a in ops if k == 0)
    assert sum(seen.balances.values()) == SEED + entered - left


@given(operations.filter(lambda ops: any(k != 0 for k, _, _ in ops)), st.data())
def test_a_debit_applied_twice_is_caught(
    ops: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    """The split-transaction bug: the balance lost the money twice, the ledger once."""
    seen = _bank(ops)
    debits = [event for event in seen.changes if event.changed_by < 0]
    if not debits:
        return
    twice = data.draw(st.sampled_from(debits))
    seen.balances[twice.iban] += twice.changed_by
    found = {violation.check for violation in check_all(seen)}
    assert {"money_conserved", "balances_follow_changes"} <= found


def _published(seen: Observation, order: list[ChangeEvent]) -> Observation:
    """`seen` with its events published in `order`: each partition's offsets follow it."""
    offsets = [0] * PARTITIONS
    changes = []
    for event in order:
        changes.append(dataclasses.replace(event, offset=offsets[event.partition]))
        offsets[event.partition] += 1
    return dataclasses.replace(seen, changes=changes)


@given(operations, st.data())
def test_any_interleaving_of_two_instances_chains_in_decided_order(
    ops: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    """Each instance publishes what it decided in its own order; the log holds any merge of
    the two. Ordered by `decided`, every account's events still chain."""
    seen = _bank(ops)
    instance = data.draw(st.lists(st.booleans(), min_size=len(seen.changes)))
    queues: list[list[ChangeEvent]] = [[], []]
    for event, second in zip(seen.changes, instance, strict=False):
        queues[second].append(event)
    merged = []
    while queues[0] or queues[1]:
        second = data.draw(st.booleans()) if queues[0] and queues[1] else bool(queues[1])
        merged.append(queues[second].pop(0))
    published = _published(seen, merged)
    assert changes_in_account_order(published) == []
    assert changes_published_once(published) == []


@given(operations, st.data())
def test_events_of_one_account_out_of_log_order_are_reported_not_failed(
    ops: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    seen = _bank(ops)
    assert check_order(seen) == []
    by_iban: dict[str, list[ChangeEvent]] = {}
    for event in seen.changes:
        by_iban.setdefault(event.iban, []).append(event)
    pairs = [events for events in by_iban.values() if len(events) >= 2]
    if not pairs:
        return
    first, second = data.draw(st.sampled_from(pairs))[:2]
    # Published out of order, numbered in order: the log order breaks, decided order holds.
    late = [e for e in seen.changes if e is not first]
    late.insert(late.index(second) + 1, first)
    published = _published(seen, late)
    assert [v.check for v in changes_in_log_order(published)] == ["changes_in_log_order"]
    assert changes_in_account_order(published) == []
    # Numbered out of order: the requirement itself breaks.
    renumbered = [
        dataclasses.replace(e, decided=second.decided)
        if e is first
        else dataclasses.replace(e, decided=first.decided)
        if e is second
        else e
        for e in seen.changes
    ]
    broken = dataclasses.replace(seen, changes=renumbered)
    assert [v.check for v in changes_in_account_order(broken)] == ["changes_in_account_order"]
    assert "changes_in_account_order" in {v.check for v in check_all(broken)}


def test_an_event_without_decided_breaks_the_requirement() -> None:
    seen = _bank([(0, 0, 100)])
    unnumbered = [dataclasses.replace(e, decided=None) for e in seen.changes]
    [violation] = changes_in_account_order(dataclasses.replace(seen, changes=unnumbered))
    assert "1 event(s) without `decided`" in str(violation)


@given(operations.filter(lambda ops: len(ops) > 0), st.data())
def test_a_lost_or_doubled_answer_is_caught(
    ops: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    seen = _bank(ops)
    answer = data.draw(st.sampled_from(seen.feedback))
    doubled = dataclasses.replace(seen, feedback=[*seen.feedback, answer])
    assert "more than once" in str(feedback_exactly_once(doubled))
    lost = dataclasses.replace(seen, feedback=[a for a in seen.feedback if a is not answer])
    assert "unanswered" in str(feedback_exactly_once(lost))


def test_doubled_answers_say_where_their_commands_were_read() -> None:
    """A partition read again from its start shows as a range from 0 on one partition."""
    ids = [uuid.uuid4() for _ in range(4)]
    seen = Observation(
        commands=[
            CommandSeen(ids[0], False, partition=3, offset=0),
            CommandSeen(ids[1], False, partition=3, offset=7),
            CommandSeen(ids[2], False, partition=1, offset=40),
            CommandSeen(ids[3], False, partition=0, offset=9),
        ],
        feedback=[FeedbackSeen(i, True, "NL00OPEN0000000001") for i in ids]
        + [FeedbackSeen(i, True, "NL00OPEN0000000001") for i in ids[:3]],
    )

    [violation] = feedback_exactly_once(seen)

    assert "3 command(s) answered more than once" in str(violation)
    assert str(violation).endswith(
        "their messages on commands: partition 1 offsets 40-40 (1), partition 3 offsets 0-7 (2)"
    )


def test_a_second_message_with_the_same_id_wants_a_second_answer() -> None:
    """A login re-sends its creation command: two messages, two answers, both fine."""
    command = uuid.uuid4()
    seen = Observation(
        commands=[CommandSeen(command, False), CommandSeen(command, False)],
        feedback=[FeedbackSeen(command, True, "NL00OPEN0000000001")],
    )
    assert "unanswered" in str(feedback_exactly_once(seen))
    seen.feedback.append(FeedbackSeen(command, True, "NL00OPEN0000000001"))
    assert feedback_exactly_once(seen) == []


def test_a_repeated_transfer_moves_money_once() -> None:
    command = uuid.uuid4()
    iban = "NL00OPEN0000000001"
    seen = Observation(
        commands=[CommandSeen(command, True, "cash", iban, 500)] * 2,
        feedback=[FeedbackSeen(command, True)] * 2,
        start_balances={iban: 0},
        balances={iban: 500},
    )
    assert money_moved(seen) == (500, 0)
    assert money_conserved(seen) == []


@given(operations.filter(lambda ops: any(k == 0 for k, _, _ in ops)), st.data())
def test_a_change_published_twice_or_never_is_caught(
    ops: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    seen = _bank(ops)
    event = data.draw(st.sampled_from(seen.changes))
    twice = dataclasses.replace(seen, changes=[*seen.changes, event])
    assert "beyond the ledger" in str(changes_published_once(twice))
    never = dataclasses.replace(seen, changes=[e for e in seen.changes if e is not event])
    assert "never published" in str(changes_published_once(never))


@given(operations.filter(lambda ops: any(k == 0 for k, _, _ in ops)), st.data())
def test_a_transaction_row_missing_or_extra_is_caught(
    ops: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    seen = _bank(ops)
    row = data.draw(st.sampled_from(seen.backend_rows))
    missing = dataclasses.replace(seen, backend_rows=[r for r in seen.backend_rows if r is not row])
    assert "missing from transactions" in str(backend_projected_once(missing))
    extra = dataclasses.replace(
        seen, backend_rows=[*seen.backend_rows, dataclasses.replace(row, id=10**9)]
    )
    assert "with no event" in str(backend_projected_once(extra))
    assert balances_follow_changes(extra) != []


def test_lag_left_is_reported_per_partition() -> None:
    seen = Observation(lag={"command-handler commands[0]": 0, "command-handler commands[1]": 4})
    assert [str(v) for v in no_lag(seen)] == [
        "no_lag: 1 partition(s) behind: command-handler commands[1]=4"
    ]


def test_a_transaction_left_open_is_reported_per_partition() -> None:
    assert no_open_transaction(Observation()) == []
    seen = Observation(open_transactions={"balance_changed[3]": 12})
    assert [str(v) for v in no_open_transaction(seen)] == [
        "no_open_transaction: 1 partition(s) with messages past their last stable offset: "
        "balance_changed[3]=12"
    ]
