"""``python -m bench capacity`` on the real Kafka and registry, at a rate too low to matter.

It proves the measurement, not a capacity: every beat sent becomes one command on the
private topics, and the rates it reports are those counts over the time taken.
"""

from __future__ import annotations

import pytest

from bench.capacity import measure

pytestmark = pytest.mark.integration


def test_every_beat_becomes_one_command_and_the_rates_follow() -> None:
    figures = measure(rate=100, seconds=2.0)
    assert figures["beats_sent"] >= 100
    assert figures["commands"] == figures["beats_sent"]
    # 100 beats/s asked: delivered at most that (plus a batch), and not far below it.
    assert 40 <= figures["heartbeat_delivered_per_s"] <= 110
    assert 0 < figures["generator_commands_per_s"] <= 110
    # Read from the generator thread's own CPU clock (nanoseconds): even 100 commands cost
    # more than that, where /proc's 10 ms ticks once read 0.
    assert figures["generator_cpu_us_per_command"] > 0
