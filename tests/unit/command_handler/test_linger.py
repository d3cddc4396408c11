"""The adaptive linger: none at low load or with fast commits, one commit time at most
under a steady stream, and never more than the cap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from command_handler.linger import AdaptiveLinger


def steady(linger: AdaptiveLinger, rate_per_s: float, publish_s: float, batches: int = 30) -> None:
    """Feed `batches` batches of a steady stream, one per publish time."""
    at = 0.0
    interval = max(publish_s, 0.001)
    for _ in range(batches):
        at += interval
        linger.batch_gathered(max(1, round(rate_per_s * interval)), at)
        linger.batch_published(publish_s)


def test_no_linger_before_anything_was_measured() -> None:
    assert AdaptiveLinger(max_linger_s=0.02).linger_s() == 0.0


def test_no_linger_at_a_trickle() -> None:
    # One command every 100 ms, commits of 20 ms: 0.2 commands per commit.
    linger = AdaptiveLinger(max_linger_s=0.02)
    at = 0.0
    for _ in range(30):
        at += 0.1
        linger.batch_gathered(1, at)
        linger.batch_published(0.02)
    assert linger.linger_s() == 0.0


def test_no_linger_when_commits_are_fast() -> None:
    linger = AdaptiveLinger(max_linger_s=0.02)
    steady(linger, rate_per_s=5_000, publish_s=0.0005)
    assert linger.linger_s() == 0.0


def test_a_steady_stream_lingers_one_commit_time() -> None:
    linger = AdaptiveLinger(max_linger_s=0.05)
    steady(linger, rate_per_s=500, publish_s=0.02)
    assert 0.015 < linger.linger_s() <= 0.02
    assert 8 <= linger.expected_per_commit() <= 12
    assert not linger.enough(5)
    assert linger.enough(12)


def test_the_linger_is_capped() -> None:
    linger = AdaptiveLinger(max_linger_s=0.01)
    steady(linger, rate_per_s=2_000, publish_s=0.2)
    assert linger.linger_s() == 0.01


def test_the_linger_follows_the_load_down() -> None:
    linger = AdaptiveLinger(max_linger_s=0.05)
    steady(linger, rate_per_s=1_000, publish_s=0.02)
    assert linger.linger_s() > 0
    at = 100.0
    for _ in range(30):
        at += 1.0
        linger.batch_gathered(1, at)
        linger.batch_published(0.02)
    assert linger.linger_s() == 0.0


@given(
    samples=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10_000),
            st.floats(min_value=0.0, max_value=10.0),
            st.floats(min_value=0.0, max_value=5.0),
        ),
        max_size=50,
    ),
    cap=st.floats(min_value=0.0, max_value=0.1),
)
def test_the_linger_stays_between_zero_and_the_cap(
    samples: list[tuple[int, float, float]], cap: float
) -> None:
    linger = AdaptiveLinger(max_linger_s=cap)
    at = 0.0
    for size, gap_s, publish_s in samples:
        at += gap_s
        linger.batch_gathered(size, at)
        linger.batch_published(publish_s)
        assert 0.0 <= linger.linger_s() <= cap
