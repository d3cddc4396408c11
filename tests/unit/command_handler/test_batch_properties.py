"""Properties of deciding whole batches: money conserved, limits kept, ids answered once."""

from __future__ import annotations

import uuid
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from command_handler.domain import (
    Account,
    AccountCandidate,
    BatchDecision,
    Command,
    TransferOutcome,
    decide_batch,
)
from topology.iban import iban_from_digits
from topology.records import Atype, ConfirmAccountCreation, ConfirmMoneyTransfer

IBANS = [iban_from_digits(f"00000000{n:02d}") for n in range(5)]
TOKENS = {iban: f"{n:020d}" for n, iban in enumerate(IBANS)}
OUTSIDE = ["cash", "Albert Heijn BV", iban_from_digits("0999999999")]

accounts_strategy = st.lists(
    st.tuples(st.sampled_from(IBANS), st.integers(-50_000, 10**7)),
    min_size=1,
    max_size=len(IBANS),
    unique_by=lambda pair: pair[0],
).map(lambda pairs: {iban: Account(iban, TOKENS[iban], balance) for iban, balance in pairs})


@st.composite
def transfers(draw: st.DrawFn) -> ConfirmMoneyTransfer:
    from_ = draw(st.sampled_from(IBANS + OUTSIDE))
    to = draw(st.sampled_from(IBANS + OUTSIDE))
    token = TOKENS.get(from_, "cash") if draw(st.booleans()) else "wrong"
    amount = draw(st.integers(-10, 10**6))
    return ConfirmMoneyTransfer(
        id=uuid.UUID(int=draw(st.integers(0, 2**128 - 1))),
        token=token,
        amount=amount,
        from_=from_,
        to=to,
        description="prop",
    )


creations = st.builds(
    ConfirmAccountCreation,
    id=st.integers(0, 2**128 - 1).map(lambda n: uuid.UUID(int=n)),
    a_type=st.sampled_from(Atype),
)


@st.composite
def command_batches(draw: st.DrawFn) -> list[Command]:
    """Commands, some of them repeats of earlier ones (same id, same content)."""
    commands: list[Command] = draw(st.lists(st.one_of(transfers(), creations), max_size=40))
    repeats = draw(st.lists(st.integers(0, 1000), max_size=10))
    for index in repeats:
        if commands:
            commands.append(commands[index % len(commands)])
    return commands


def candidates_for(commands: list[Command]) -> dict[uuid.UUID, AccountCandidate]:
    # Candidates clash with existing ibans sometimes, to reach the "already exists" branch.
    return {
        c.id: AccountCandidate(iban_from_digits(f"{c.id.int % 8:010d}"), "7" * 20)
        for c in commands
        if isinstance(c, ConfirmAccountCreation)
    }


def decide(commands: list[Command], accounts: dict[str, Account]) -> BatchDecision:
    return decide_batch(commands, accounts, {}, {}, candidates_for(commands))


@settings(max_examples=300)
@given(accounts_strategy, command_batches())
def test_money_is_conserved_inside_the_bank(
    accounts: dict[str, Account], commands: list[Command]
) -> None:
    decision = decide(commands, accounts)
    total_changes = 0
    per_account: Counter[str] = Counter()
    for outcome in decision.outcomes:
        if isinstance(outcome, TransferOutcome) and len(outcome.changes) == 2:
            # Both sides are accounts of the bank: what leaves one enters the other.
            assert sum(change.changed_by for change in outcome.changes) == 0
        for change in getattr(outcome, "changes", ()):
            total_changes += change.changed_by
            per_account[change.iban] += change.changed_by
    before = sum(a.balance_cents for a in accounts.values())
    after = sum(a.balance_cents for a in decision.accounts.values())
    assert after - before == total_changes
    for iban, account in decision.accounts.items():
        start = accounts[iban].balance_cents if iban in accounts else 0
        assert account.balance_cents == start + per_account[iban]


@settings(max_examples=300)
@given(accounts_strategy, command_batches())
def test_no_balance_goes_below_its_limit(
    accounts: dict[str, Account], commands: list[Command]
) -> None:
    decision = decide(commands, accounts)
    for outcome in decision.outcomes:
        for change in getattr(outcome, "changes", ()):
            assert change.new_balance >= decision.accounts[change.iban].limit_cents
    assert all(a.balance_cents >= a.limit_cents for a in decision.accounts.values())


@settings(max_examples=300)
@given(accounts_strategy, command_batches())
def test_same_command_id_same_answer_and_changes_once(
    accounts: dict[str, Account], commands: list[Command]
) -> None:
    decision = decide(commands, accounts)
    # Transfers and account creations keep separate answers, as in the original.
    first_answer: dict[tuple[type, uuid.UUID], object] = {}
    for command, outcome in zip(commands, decision.outcomes, strict=True):
        key = (type(command), command.id)
        if key in first_answer:
            assert outcome.feedback == first_answer[key]
            assert outcome.replayed
            assert getattr(outcome, "changes", ()) == ()
            assert getattr(outcome, "new_account", None) is None
        else:
            first_answer[key] = outcome.feedback
            assert not outcome.replayed
    # Deciding the whole batch again with the stored answers changes nothing more.
    again = decide_batch(
        commands,
        decision.accounts,
        decision.transfer_answers,
        decision.creation_answers,
        candidates_for(commands),
    )
    assert [o.feedback for o in again.outcomes] == [o.feedback for o in decision.outcomes]
    assert again.accounts == decision.accounts
    assert not again.changed
    assert not again.opened
