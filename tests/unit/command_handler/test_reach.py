"""How far back answers in doubt reach: what a publish can have left in doubt is published
again, a lost committed offset costs at most `most` answers sent twice, and answers of an
earlier log are never waited for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from command_handler.kafka.reach import Reach, reach

MOST = 1_000
TOPIC = "commands"


def test_doubts_within_two_batches_are_kept_as_they_are() -> None:
    reached = reach({(TOPIC, 0): 4_059}, {(TOPIC, 0): 4_000}, {}, MOST)

    assert reached == Reach({(TOPIC, 0): 4_059})


def test_a_committed_offset_far_behind_the_answers_stored_is_raised_to_the_last_most() -> None:
    # A coordinator served an offset hours old: 202,508 where the handler had committed
    # 1,451,509, and storage holds answers up to 1,451,508.
    reached = reach({(TOPIC, 3): 1_451_508}, {(TOPIC, 3): 202_508}, {(TOPIC, 3): 1_460_000}, MOST)

    assert reached.in_doubt == {(TOPIC, 3): 1_451_508}
    assert reached.raised == {(TOPIC, 3): 1_450_509}


def test_answers_beyond_the_end_of_the_log_are_not_in_doubt() -> None:
    # The topic was deleted and created again: its log ends at 300, its floor is 0.
    reached = reach({(TOPIC, 1): 90_000}, {(TOPIC, 1): 0}, {(TOPIC, 1): 300}, MOST)

    assert reached == Reach({}, {}, {(TOPIC, 1): 90_000})


@st.composite
def doubts(draw: st.DrawFn) -> tuple[dict[tuple[str, int], int], ...]:
    partitions = draw(st.sets(st.integers(0, 5), max_size=6))
    floors, in_doubt, ends = {}, {}, {}
    for partition in partitions:
        key = (TOPIC, partition)
        floors[key] = draw(st.integers(0, 10**7))
        in_doubt[key] = floors[key] + draw(st.integers(0, 3 * MOST))
        ends[key] = in_doubt[key] + draw(st.integers(-2, 2))
    return floors, in_doubt, ends


@given(doubts())
def test_what_is_published_again_stays_within_reach_and_nothing_of_the_log_is_dropped(
    drawn: tuple[dict[tuple[str, int], int], ...],
) -> None:
    floors, in_doubt, ends = drawn

    reached = reach(in_doubt, floors, ends, MOST)

    assert reached.in_doubt.keys() | reached.beyond_log.keys() == in_doubt.keys()
    assert not reached.in_doubt.keys() & reached.beyond_log.keys()
    for key, last in reached.in_doubt.items():
        assert last == in_doubt[key]
        first = reached.raised.get(key, floors[key])
        assert floors[key] <= first <= last
        assert last + 1 - first <= MOST
    for key, last in reached.beyond_log.items():
        assert last >= ends[key]
        assert last - floors[key] >= MOST
