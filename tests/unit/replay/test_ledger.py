"""The handler's state against the log: balances, chains and answers (pure)."""

from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from replay.ledger import AccountState, AnswerCheck, BalanceCheck, compare_last_balances

changes = st.lists(st.integers(-10_000, 10_000), max_size=30)


def events(start: int, deltas: list[int]) -> list[tuple[int, int]]:
    """(new_balance, changed_by) of each change, chained from ``start``."""
    found, balance = [], start
    for delta in deltas:
        balance += delta
        found.append((balance, delta))
    return found


@given(st.integers(0, 10**17), changes, changes)
def test_a_balance_is_its_start_plus_its_first_ledger_changes_whatever_follows(
    start: int, decided: list[int], later: list[int]
) -> None:
    amount = start + sum(decided)
    check = BalanceCheck({"NL1": AccountState(amount, len(decided), start)})
    for new_balance, delta in events(start, decided + later):
        check.add("NL1", new_balance, delta)
    assert check.wrong_balances() == []
    assert check.broken_chains == []
    assert check.short() == {}


@given(changes.filter(bool), st.integers(1, 1_000))
def test_a_corrupted_balance_is_named(decided: list[int], error: int) -> None:
    amount = sum(decided) + error
    check = BalanceCheck({"NL1": AccountState(amount, len(decided))})
    for new_balance, delta in events(0, decided):
        check.add("NL1", new_balance, delta)
    [wrong] = check.wrong_balances()
    assert wrong.startswith(f"NL1: balance {amount}, but start 0 plus its {len(decided)} changes")


def test_an_account_without_changes_must_hold_its_start() -> None:
    check = BalanceCheck({"NL1": AccountState(0, 0), "NL2": AccountState(5, 0)})
    assert check.wrong_balances() == [
        "NL2: balance 5, but start 0 plus its 0 changes in the log is 0"
    ]


def test_a_ledger_ahead_of_the_log_and_a_broken_chain_and_an_unknown_account() -> None:
    check = BalanceCheck({"NL1": AccountState(30, 3), "NL2": AccountState(10, 1)})
    check.add("NL1", 10, 10)
    check.add("NL2", 11, 10)  # 0 + 10 is not 11
    check.add("NL9", 5, 5)
    assert check.short() == {"NL1": (1, 3)}
    assert check.broken_chains == ["NL2: change 1 says 11 but the changes before it add up to 10"]
    assert check.unknown() == ["NL9"]
    assert check.wrong_balances() == [
        "NL2: balance 10, but start 0 plus its 1 changes in the log is 11"
    ]


def answers(n: int) -> dict[UUID, tuple[str | None, ...]]:
    return {uuid4(): ("transfer", None if i % 2 else "insufficient funds") for i in range(n)}


@given(st.integers(0, 20), st.data())
def test_every_stored_answer_published_once_or_again_the_same_is_fine(
    n: int, data: st.DataObject
) -> None:
    stored = answers(n)
    check = AnswerCheck(stored)
    again = 0
    for command_id, answer in stored.items():
        times = data.draw(st.integers(1, 3))
        again += times > 1
        for _ in range(times):
            check.add(command_id, answer)
    assert check.unanswered() == []
    assert check.different == []
    assert check.not_stored == {}
    assert check.repeated() == again


def test_missing_different_and_unstored_answers_are_each_found() -> None:
    stored = answers(3)
    first, second, third = stored
    check = AnswerCheck(stored)
    check.add(first, stored[first])
    check.add(second, ("transfer", "something else"))
    stranger = uuid4()
    check.add(stranger, ("creation", "NL1", "1" * 20, None))
    assert check.unanswered() == [third]
    assert check.different == [
        f"{second}: stored {stored[second]}, published ('transfer', 'something else')"
    ]
    assert check.not_stored == {stranger: ("creation", "NL1", "1" * 20, None)}


def test_each_message_that_asked_gets_exactly_one_answer() -> None:
    stored = answers(3)
    once, resent, doubled = stored
    check = AnswerCheck(stored)
    for command_id in (once, resent, resent, doubled, uuid4()):  # the last: never stored
        check.ask(command_id)
    for command_id in (once, resent, resent, doubled, doubled):
        check.add(command_id, stored[command_id])
    assert check.miscounted() == {doubled: (1, 2)}
    assert check.repeated() == 2
    assert check.unanswered() == []


def test_a_rebuild_agrees_with_the_handler_where_their_counts_agree() -> None:
    rebuilt = {"NL1": (2, 30), "NL2": (1, 5), "NL3": (4, 9), "NL4": (1, 1)}
    handler = {"NL1": (2, 30), "NL2": (3, 7), "NL3": (4, 8), "NL5": (0, 0)}
    found = compare_last_balances(rebuilt, handler)
    assert (found.equal, found.moved_on, found.different) == (2, 1, 2)
    assert found.examples == [
        "NL3: rebuilt balance 9, the handler's 8",
        "NL4: 1 changes in the log, but the handler has no such account",
    ]
    assert not found.ok
    assert "DIFFER" in found.summary()


nonzero = st.lists(st.integers(-10_000, 10_000).filter(bool), min_size=1, max_size=20)


@given(st.integers(0, 10**6), nonzero, st.data())
def test_changes_published_out_of_decided_order_chain_in_it(
    start: int, deltas: list[int], data: st.DataObject
) -> None:
    """Two handler instances publish an account's changes in any order; numbered by
    `decided`, they chain, and the balance at the handler's state is found."""
    numbered = [(n * 3 + 1, *event) for n, event in enumerate(events(start, deltas))]
    check = BalanceCheck({"NL1": AccountState(start + sum(deltas), len(deltas), start)})
    for decided, new_balance, delta in data.draw(st.permutations(numbered)):
        check.add("NL1", new_balance, delta, decided)
    check.finish()
    assert check.broken_chains == []
    assert check.wrong_balances() == []
    assert check.short() == {}


def test_a_numbered_change_that_never_chains_is_a_break() -> None:
    check = BalanceCheck({"NL1": AccountState(150, 2)})
    check.add("NL1", 100, 100, 5)
    check.add("NL1", 170, 50, 9)  # says 170: the changes before add up to 150
    check.finish()
    assert check.broken_chains == ["NL1: change 2 says 170 but the changes before it add up to 150"]
