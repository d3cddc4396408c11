"""The bank's guarantees as pure checks over an `Observation`: nothing lost, nothing doubled.

Each check returns the violations it finds (empty when the guarantee holds), with a few
examples, so a failing fault scenario says *what* broke, not just that something did:

- `feedback_exactly_once`: every message on `commands` got exactly one feedback (a command
  id sent twice, as a login does, is answered twice; an id answered more often than it was
  sent is a doubled answer, one answered less often a lost one);
- `money_conserved`: the sum of all balances is the start money plus what entered the bank
  minus what left it, computed from the commands and their first answers alone;
- `changes_published_once`: the BalanceChanged events on the topic are exactly the changes
  the handler's ledger holds (none lost, none published twice);
- `backend_projected_once`: the backend's transactions table holds each event exactly once,
  under the id derived from its Kafka coordinates;
- `balances_follow_changes`: each account's balance is its start plus the sum of its
  changes (in the handler's ledger and in the backend's table);
- `no_lag`: no consumer group has committed data left to consume;
- `changes_in_account_order`: every event carries `decided`, and in that order each
  account's events chain: each new balance is the previous one plus its change (what a
  reader ordering by `decided` relies on, with any number of handler instances);
- `changes_in_log_order` (reported apart, see `check_order`): the same chain in the log's
  order, which only one handler instance keeps (docs/reliability.md, "Per-account order").
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from backend.transaction_ids import transaction_id
from tests.support.faults.observation import ChangeEvent, Observation

__all__ = [
    "ALL_CHECKS",
    "ORDER_CHECKS",
    "Violation",
    "backend_projected_once",
    "balances_follow_changes",
    "changes_in_account_order",
    "changes_in_log_order",
    "changes_published_once",
    "check_all",
    "check_order",
    "feedback_exactly_once",
    "money_conserved",
    "money_moved",
    "no_lag",
    "out_of_order",
]

_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken guarantee: which check, and what it saw."""

    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.detail}"


def _examples(items: Iterable[object]) -> str:
    listed = list(items)
    shown = ", ".join(str(item) for item in listed[:_EXAMPLES])
    more = f" (+{len(listed) - _EXAMPLES} more)" if len(listed) > _EXAMPLES else ""
    return shown + more


def _where(seen: Observation, ids: set[str]) -> str:
    """Per partition of `commands`, the offset range and count of the messages of `ids`:
    one partition read again from its start reads differently from a few batches."""
    offsets: dict[int, list[int]] = {}
    for command in seen.commands:
        if str(command.id) in ids:
            offsets.setdefault(command.partition, []).append(command.offset)
    return ", ".join(
        f"partition {partition} offsets {min(found)}-{max(found)} ({len(found)})"
        for partition, found in sorted(offsets.items())
    )


def feedback_exactly_once(seen: Observation) -> list[Violation]:
    """Per command id, as many answers as messages sent with that id; no stray answers."""
    sent = Counter(command.id for command in seen.commands)
    answered = Counter(answer.id for answer in seen.feedback)
    lost = sorted(str(i) for i in sent if answered[i] < sent[i])
    doubled = sorted(str(i) for i in sent if answered[i] > sent[i])
    stray = sorted(str(i) for i in answered if i not in sent)
    violations = []
    if lost:
        violations.append(
            Violation(
                "feedback_exactly_once", f"{len(lost)} command(s) unanswered: {_examples(lost)}"
            )
        )
    if doubled:
        violations.append(
            Violation(
                "feedback_exactly_once",
                f"{len(doubled)} command(s) answered more than once: {_examples(doubled)}; "
                f"their messages on commands: {_where(seen, set(doubled))}",
            )
        )
    if stray:
        violations.append(
            Violation(
                "feedback_exactly_once", f"{len(stray)} answer(s) to no command: {_examples(stray)}"
            )
        )
    return violations


def money_moved(seen: Observation) -> tuple[int, int]:
    """(cents that entered the bank, cents that left it) by the confirmed transfers.

    Only a command's first answer counts (a repeated id is answered again, not done again).
    A transfer credits `to` if it is an account of the bank and debits `from` if it is one,
    so money enters when only `to` is ours (a `cash` deposit) and leaves when only `from`
    is (a withdrawal to `cash`, a payment to a shop).
    """
    first_answer: dict[uuid.UUID, bool] = {}
    accounts = set(seen.start_balances)
    for answer in seen.feedback:
        first_answer.setdefault(answer.id, answer.confirmed)
        if answer.confirmed and answer.iban is not None:
            accounts.add(answer.iban)
    entered = left = 0
    done: set[uuid.UUID] = set()
    for command in seen.commands:
        if not command.is_transfer or command.id in done or not first_answer.get(command.id):
            continue
        done.add(command.id)
        into, out_of = command.to in accounts, command.from_ in accounts
        if into and not out_of:
            entered += command.amount
        elif out_of and not into:
            left += command.amount
    return entered, left


def money_conserved(seen: Observation) -> list[Violation]:
    """Sum of balances == start money + money in - money out."""
    entered, left = money_moved(seen)
    expected = sum(seen.start_balances.values()) + entered - left
    actual = sum(seen.balances.values())
    if actual == expected:
        return []
    return [
        Violation(
            "money_conserved",
            f"balances sum to {actual} cents, expected {expected} "
            f"(start + {entered} in - {left} out): {actual - expected:+d} cents",
        )
    ]


def changes_published_once(seen: Observation) -> list[Violation]:
    """The topic's BalanceChanged events and the handler's ledger rows are the same multiset."""
    published = Counter(event.content() for event in seen.changes)
    decided = Counter(row.content() for row in seen.ledger)
    unpublished = list((decided - published).elements())
    extra = list((published - decided).elements())
    violations = []
    if unpublished:
        violations.append(
            Violation(
                "changes_published_once",
                f"{len(unpublished)} ledger change(s) never published: {_examples(unpublished)}",
            )
        )
    if extra:
        violations.append(
            Violation(
                "changes_published_once",
                f"{len(extra)} published change(s) beyond the ledger (doubled or undecided): "
                f"{_examples(extra)}",
            )
        )
    return violations


def backend_projected_once(seen: Observation) -> list[Violation]:
    """Each event is one row of `transactions`, under its id, with the same content."""
    rows = {row.id: row for row in seen.backend_rows}
    missing, different = [], []
    expected_ids = set()
    for event in seen.changes:
        row_id = transaction_id(event.partition, event.offset, seen.change_partitions)
        expected_ids.add(row_id)
        row = rows.get(row_id)
        if row is None:
            missing.append(row_id)
        elif row.content() != event.content():
            different.append(row_id)
    extra = sorted(set(rows) - expected_ids)
    violations = []
    for label, ids in (
        ("event(s) missing from transactions", missing),
        ("row(s) differing from their event", different),
        ("row(s) with no event", extra),
    ):
        if ids:
            violations.append(
                Violation("backend_projected_once", f"{len(ids)} {label}: {_examples(ids)}")
            )
    return violations


def balances_follow_changes(seen: Observation) -> list[Violation]:
    """Balance == start + Σ changes, in the handler's ledger and in the backend's table."""
    violations = []
    ledger_sum: dict[str, int] = defaultdict(int)
    for row in seen.ledger:
        ledger_sum[row.iban] += row.changed_by
    backend_sum: dict[str, int] = defaultdict(int)
    for backend_row in seen.backend_rows:
        backend_sum[backend_row.iban] += backend_row.changed_by
    off_ledger, off_backend = [], []
    for iban, amount in sorted(seen.balances.items()):
        start = seen.start_balances.get(iban, 0)
        if start + ledger_sum[iban] != amount:
            off_ledger.append(f"{iban} {amount} != {start}{ledger_sum[iban]:+d}")
        if start + backend_sum[iban] != amount:
            off_backend.append(f"{iban} {amount} != {start}{backend_sum[iban]:+d}")
    unknown = sorted(set(ledger_sum) - set(seen.balances))
    for label, items in (
        ("account(s) whose balance is not start + ledger changes", off_ledger),
        ("account(s) whose balance is not start + backend transactions", off_backend),
        ("ledger change(s) of unknown accounts", unknown),
    ):
        if items:
            violations.append(
                Violation("balances_follow_changes", f"{len(items)} {label}: {_examples(items)}")
            )
    return violations


def _broken_chains(seen: Observation, events: Iterable[ChangeEvent]) -> list[str]:
    """Events, taken in the given order, whose new balance is not their account's previous
    one plus their change."""
    broken = []
    last: dict[str, int] = dict(seen.start_balances)
    for event in events:
        before = last.get(event.iban, 0)
        if before + event.changed_by != event.new_balance:
            broken.append(
                f"{event.iban}@{event.partition}/{event.offset} (decided {event.decided}): "
                f"{before}{event.changed_by:+d} != {event.new_balance}"
            )
        last[event.iban] = event.new_balance
    return broken


def changes_in_account_order(seen: Observation) -> list[Violation]:
    """Every event carries `decided`, and ordered by it each account's events chain: every
    new balance is the previous one's plus its change. Holds whatever order two handler
    instances published them in."""
    unnumbered = [f"{e.iban}@{e.partition}/{e.offset}" for e in seen.changes if e.decided is None]
    in_decided_order = sorted(seen.changes, key=lambda e: (e.decided or 0, e.partition, e.offset))
    violations = []
    for label, items in (
        ("event(s) without `decided`", unnumbered),
        (
            "event(s) whose new balance, in decided order, is not the previous one plus the change",
            _broken_chains(seen, in_decided_order),
        ),
    ):
        if items:
            violations.append(
                Violation("changes_in_account_order", f"{len(items)} {label}: {_examples(items)}")
            )
    return violations


def changes_in_log_order(seen: Observation) -> list[Violation]:
    """The same chain in the log's order: each account's events leave in decision order
    (one handler instance keeps it; two cannot, docs/reliability.md)."""
    broken_chain = _broken_chains(seen, sorted(seen.changes, key=lambda e: (e.partition, e.offset)))
    if not broken_chain:
        return []
    return [
        Violation(
            "changes_in_log_order",
            f"{len(broken_chain)} event(s) whose new balance, in log order, is not the "
            f"previous one plus the change: {_examples(broken_chain)}",
        )
    ]


def out_of_order(seen: Observation) -> int:
    """How many events break their account's chain in log order (`changes_in_log_order`)."""
    return len(_broken_chains(seen, sorted(seen.changes, key=lambda e: (e.partition, e.offset))))


def no_lag(seen: Observation) -> list[Violation]:
    """No consumer group has committed data messages it has not consumed."""
    behind = sorted(f"{where}={count}" for where, count in seen.lag.items() if count > 0)
    if not behind:
        return []
    return [Violation("no_lag", f"{len(behind)} partition(s) behind: {_examples(behind)}")]


def no_open_transaction(seen: Observation) -> list[Violation]:
    """No transaction is open on the handler's topics: one left open hides every later
    answer from `read_committed` readers, so their lag looks 0 while they wait."""
    if not seen.open_transactions:
        return []
    behind = sorted(f"{where}={count}" for where, count in seen.open_transactions.items())
    return [
        Violation(
            "no_open_transaction",
            f"{len(behind)} partition(s) with messages past their last stable offset: "
            f"{_examples(behind)}",
        )
    ]


#: The guarantees of issue 9: nothing lost, nothing doubled, every group caught up.
ALL_CHECKS: tuple[Callable[[Observation], list[Violation]], ...] = (
    feedback_exactly_once,
    money_conserved,
    changes_published_once,
    backend_projected_once,
    balances_follow_changes,
    changes_in_account_order,
    no_lag,
    no_open_transaction,
)

#: Required with one handler instance (`account_order=True`), reported with two: two
#: instances cannot keep an account's log order (docs/reliability.md, "Per-account order").
ORDER_CHECKS: tuple[Callable[[Observation], list[Violation]], ...] = (changes_in_log_order,)


def check_all(seen: Observation) -> list[Violation]:
    """Every violation of every guarantee (empty: the bank lost and doubled nothing)."""
    return [violation for check in ALL_CHECKS for violation in check(seen)]


def check_order(seen: Observation) -> list[Violation]:
    """Violations of per-account log order (reported beside `check_all`)."""
    return [violation for check in ORDER_CHECKS for violation in check(seen)]
