"""The heartbeat's load setting, its counters and the deadline arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from load.heartbeat.control import LoadControl, LoadSetting
from load.heartbeat.pacing import next_deadline


def test_rate_is_batch_per_period() -> None:
    assert LoadSetting(batch_size=20, sleep_ms=100).messages_per_second == 200


@pytest.mark.parametrize(("batch_size", "sleep_ms"), [(-1, 100), (0, 0), (1, -5), (10**6, 100)])
def test_nonsense_settings_are_refused(batch_size: int, sleep_ms: int) -> None:
    with pytest.raises(ValueError, match="must be in"):
        LoadSetting(batch_size=batch_size, sleep_ms=sleep_ms)


def test_update_changes_only_what_is_given() -> None:
    control = LoadControl(LoadSetting(batch_size=0, sleep_ms=100))
    assert control.update(batch_size=5) == LoadSetting(batch_size=5, sleep_ms=100)
    assert control.update(sleep_ms=50) == LoadSetting(batch_size=5, sleep_ms=50)


def test_a_refused_update_keeps_the_old_setting() -> None:
    control = LoadControl(LoadSetting(batch_size=3, sleep_ms=100))
    with pytest.raises(ValueError, match="sleep_ms"):
        control.update(batch_size=4, sleep_ms=0)
    assert control.setting == LoadSetting(batch_size=3, sleep_ms=100)


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=30))
def test_beats_are_numbered_without_gaps(batch_sizes: list[int]) -> None:
    control = LoadControl(LoadSetting(batch_size=0, sleep_ms=100))
    beats: list[int] = []
    for size in batch_sizes:
        control.update(batch_size=size)
        beats.extend(control.take_batch())
    assert beats == list(range(sum(batch_sizes)))
    assert control.snapshot()["produced"] == sum(batch_sizes)


def test_deadlines_advance_from_the_previous_deadline() -> None:
    # Sending took 30 ms of the 100 ms period: the next batch is still due at +100 ms.
    assert next_deadline(previous_s=10.0, now_s=10.03, sleep_ms=100) == pytest.approx(10.1)


def test_a_sender_far_behind_skips_ahead_instead_of_bursting() -> None:
    assert next_deadline(previous_s=10.0, now_s=12.0, sleep_ms=100) == 12.0


@given(
    st.floats(min_value=0, max_value=1e6),
    st.floats(min_value=0, max_value=10),
    st.integers(min_value=1, max_value=10_000),
)
def test_the_next_deadline_is_never_more_than_one_period_late(
    previous_s: float, lag_s: float, sleep_ms: int
) -> None:
    now_s = previous_s + lag_s
    due = next_deadline(previous_s, now_s, sleep_ms)
    assert due >= now_s - sleep_ms / 1000 - 1e-9
    assert due <= max(now_s, previous_s + sleep_ms / 1000) + 1e-9
