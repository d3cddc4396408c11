"""CPU % between two samples from cumulative CPU seconds."""

from __future__ import annotations

import pytest

from bench.cpu import ProcessTimes, cpu_percent_between, steal_share


def test_a_known_process_counts_its_increase() -> None:
    current = {(10, 1.0): ProcessTimes(10, 1.0, cpu_seconds=7.0)}
    assert cpu_percent_between({(10, 1.0): 5.0}, current, 100.0, 104.0) == pytest.approx(50.0)


def test_a_process_started_since_counts_everything_it_used() -> None:
    current = {(11, 102.0): ProcessTimes(11, 102.0, cpu_seconds=1.0)}
    assert cpu_percent_between({}, current, 100.0, 104.0) == pytest.approx(25.0)


def test_an_old_process_seen_first_counts_nothing() -> None:
    current = {(12, 5.0): ProcessTimes(12, 5.0, cpu_seconds=300.0)}
    assert cpu_percent_between({}, current, 100.0, 104.0) == 0.0


def test_a_reused_pid_is_a_new_process() -> None:
    # Same pid, new start time: the old process's seconds must not be subtracted.
    current = {(10, 103.0): ProcessTimes(10, 103.0, cpu_seconds=0.5)}
    assert cpu_percent_between({(10, 1.0): 50.0}, current, 100.0, 105.0) == pytest.approx(10.0)


def test_several_cores_add_up_past_one_hundred() -> None:
    current = {
        (1, 1.0): ProcessTimes(1, 1.0, cpu_seconds=2.0),
        (2, 1.0): ProcessTimes(2, 1.0, cpu_seconds=2.0),
    }
    previous = {(1, 1.0): 0.0, (2, 1.0): 0.0}
    assert cpu_percent_between(previous, current, 10.0, 12.0) == pytest.approx(200.0)


def test_no_time_elapsed_gives_zero() -> None:
    assert cpu_percent_between({}, {}, 10.0, 10.0) == 0.0


def test_steal_is_the_share_of_all_cpu_time_the_hypervisor_took() -> None:
    before = {"user": 10.0, "system": 5.0, "idle": 80.0, "steal": 5.0, "guest": 3.0}
    after = {"user": 40.0, "system": 10.0, "idle": 100.0, "steal": 30.0, "guest": 9.0}
    # 25 s stolen of 30 + 5 + 20 + 25 = 80 s; guest time is inside user already.
    assert steal_share(before, after) == pytest.approx(25 / 80)
    assert steal_share({"user": 1.0}, {"user": 2.0}) == 0.0
    assert steal_share(after, after) == 0.0
