"""The handler's state against the log (pure): balances and answers, fed record by record.

A balance is checked at the point of the log where the handler's state was taken: the
handler's ledger says how many changes an account had (``changes``), so its balance must be
its start plus its first ``changes`` BalanceChanged events in the log, whatever was added
after. Each event must also chain: its new balance is the one before plus its change, in
the account's decided order (``BalanceChanged.decided``): two handler instances can publish
a change after one decided later (docs/reliability.md, "Per-account order"), so numbered
events are kept until the log is read and then chained in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

__all__ = [
    "AccountState",
    "Answer",
    "AnswerCheck",
    "BalanceAgreement",
    "BalanceCheck",
    "compare_last_balances",
]

#: What the handler answered, as comparable values: ("transfer", reason or None) or
#: ("creation", iban, token, reason); a reason means a refusal.
Answer = tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account in the handler's tables: balance, changes in its ledger, first balance."""

    amount: int
    changes: int
    start: int = 0


@dataclass(slots=True)
class _Seen:
    count: int = 0
    balance: int = 0
    at_state: int | None = None
    decided: int = 0
    # Numbered events, chained at the end of the log: decided -> (new balance, change).
    waiting: dict[int, tuple[int, int]] = field(default_factory=dict)


@dataclass(slots=True)
class BalanceCheck:
    """Feed every BalanceChanged in log order (``add``); then ``problems``."""

    accounts: Mapping[str, AccountState]
    seen: dict[str, _Seen] = field(default_factory=dict)
    broken_chains: list[str] = field(default_factory=list)
    events: int = 0

    def add(self, iban: str, new_balance: int, changed_by: int, decided: int | None = None) -> None:
        """One event of ``iban``; ``decided`` its place in the account's decided order."""
        self.events += 1
        account = self.accounts.get(iban)
        seen = self.seen.get(iban)
        if seen is None:
            start = account.start if account else new_balance - changed_by
            seen = self.seen[iban] = _Seen(balance=start)
        if decided is None:
            # Written before events were numbered: older than every numbered one, and in
            # log order among themselves.
            self._apply(iban, seen, new_balance, changed_by, decided)
        else:
            # Numbered events are chained in decided order once the log is read: a change
            # can arrive after one decided later, and can even chain on the wrong one by
            # chance (a balance that comes back), so none is applied on arrival.
            seen.waiting[decided] = (new_balance, changed_by)

    def finish(self) -> None:
        """The end of the log: each account's numbered events are chained in decided order,
        so each break is reported."""
        for iban, seen in self.seen.items():
            for decided in sorted(seen.waiting):
                self._apply(iban, seen, *seen.waiting[decided], decided)
            seen.waiting.clear()

    def _apply(
        self, iban: str, seen: _Seen, new_balance: int, changed_by: int, decided: int | None
    ) -> None:
        account = self.accounts.get(iban)
        seen.balance += changed_by
        seen.count += 1
        seen.decided = max(seen.decided, decided or 0)
        if seen.balance != new_balance:
            self.broken_chains.append(
                f"{iban}: change {seen.count} says {new_balance} but the changes before "
                f"it add up to {seen.balance}"
            )
            seen.balance = new_balance  # report each break once, not every event after it
        if account is not None and seen.count == account.changes:
            seen.at_state = seen.balance

    def short(self) -> dict[str, tuple[int, int]]:
        """Accounts whose log holds fewer changes than the handler's ledger: iban → (in the
        log, in the ledger). Either not published yet (read on) or lost."""
        return {
            iban: (self.seen[iban].count if iban in self.seen else 0, account.changes)
            for iban, account in self.accounts.items()
            if (self.seen[iban].count if iban in self.seen else 0) < account.changes
        }

    def unknown(self) -> list[str]:
        """Ibans with events that the handler's state does not hold."""
        return sorted(iban for iban in self.seen if iban not in self.accounts)

    def wrong_balances(self) -> list[str]:
        """Accounts whose balance is not their start plus their events up to the state."""
        wrong = []
        for iban, account in sorted(self.accounts.items()):
            seen = self.seen.get(iban)
            if account.changes == 0:
                expected: int | None = account.start
            else:
                expected = None if seen is None else seen.at_state
            if expected is not None and expected != account.amount:
                wrong.append(
                    f"{iban}: balance {account.amount}, but start {account.start} plus its "
                    f"{account.changes} changes in the log is {expected}"
                )
        return wrong


@dataclass(slots=True)
class AnswerCheck:
    """Feed every answer of the feedback topics (``add``) and every command message the
    handler has consumed (``ask``); then read the findings. A command id is answered once
    per message that carried it: a re-sent id gets the same answer again (SPEC §3)."""

    stored: Mapping[UUID, Answer]
    counts: dict[UUID, int] = field(default_factory=dict)
    asked: dict[UUID, int] = field(default_factory=dict)
    different: list[str] = field(default_factory=list)
    not_stored: dict[UUID, Answer] = field(default_factory=dict)
    answers: int = 0

    def add(self, command_id: UUID, answer: Answer) -> None:
        """One answer published for ``command_id``."""
        self.answers += 1
        expected = self.stored.get(command_id)
        if expected is None:
            self.not_stored[command_id] = answer
            return
        self.counts[command_id] = self.counts.get(command_id, 0) + 1
        if answer != expected:
            self.different.append(f"{command_id}: stored {expected}, published {answer}")

    def ask(self, command_id: UUID) -> None:
        """One message on ``commands`` carried ``command_id`` (only stored ids count)."""
        if command_id in self.stored:
            self.asked[command_id] = self.asked.get(command_id, 0) + 1

    def miscounted(self) -> dict[UUID, tuple[int, int]]:
        """Answered ids whose answers are not one per message: id → (asked, answered)."""
        return {
            command_id: (self.asked.get(command_id, 0), count)
            for command_id, count in self.counts.items()
            if count != self.asked.get(command_id, 0)
        }

    def unanswered(self) -> list[UUID]:
        """Stored answers never published."""
        return [command_id for command_id in self.stored if command_id not in self.counts]

    def repeated(self) -> int:
        """Command ids answered more than once (the same answer each time)."""
        return sum(1 for count in self.counts.values() if count > 1)


@dataclass(slots=True)
class BalanceAgreement:
    """A rebuilt read model's newest balances against the handler's balances."""

    equal: int = 0
    moved_on: int = 0
    different: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no account disagrees."""
        return self.different == 0

    def summary(self) -> str:
        """One line of counts."""
        verdict = "match" if self.ok else "DIFFER"
        return (
            f"balances against the handler: {verdict}: {self.equal} equal, "
            f"{self.different} different, {self.moved_on} changed since the log was read "
            "(not compared)"
        )


def compare_last_balances(
    rebuilt: Mapping[str, tuple[int, int]],
    handler: Mapping[str, tuple[int, int]],
    *,
    keep: int = 5,
) -> BalanceAgreement:
    """Both map iban → (changes, balance): the rebuild's newest row and row count, and the
    handler's balance and ledger count, read after the log (so never behind it). Equal
    counts must give equal balances; a handler ahead has moved on; a handler behind, or
    without the account, disagrees with the log."""
    found = BalanceAgreement()
    for iban in sorted(set(rebuilt) | set(handler)):
        count, balance = rebuilt.get(iban, (0, 0))
        if iban not in handler:
            problem = f"{iban}: {count} changes in the log, but the handler has no such account"
        else:
            changes, amount = handler[iban]
            if changes > count:
                found.moved_on += 1
                continue
            if changes < count:
                problem = f"{iban}: {count} changes in the log, {changes} in the handler's ledger"
            elif count and balance != amount:
                problem = f"{iban}: rebuilt balance {balance}, the handler's {amount}"
            else:
                found.equal += 1
                continue
        found.different += 1
        if len(found.examples) < keep:
            found.examples.append(problem)
    return found
