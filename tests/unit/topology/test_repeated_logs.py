"""RepeatFilter: the first line of a kind, then one per window with the dropped count."""

from __future__ import annotations

import logging

from topology.repeated_logs import RepeatFilter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(message: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("librdkafka", level, __file__, 1, message, None, None)


def test_alike_lines_are_dropped_within_the_window_and_counted_after_it() -> None:
    clock = Clock()
    quiet = RepeatFilter(window_s=30, clock=clock)
    refused = "FAIL [h#consumer-1] Connect to ipv4#127.0.0.1:{port} failed (after {ms}ms)"

    first = record(refused.format(port=9092, ms=0))
    assert quiet.filter(first)
    assert not hasattr(first, "repeated")
    for ms in range(1, 6):
        clock.now += 1
        assert not quiet.filter(record(refused.format(port=9093, ms=ms)))

    clock.now = 31
    later = record(refused.format(port=9092, ms=99))
    assert quiet.filter(later)
    assert later.repeated == 5  # type: ignore[attr-defined]


def test_other_kinds_and_levels_go_through() -> None:
    quiet = RepeatFilter(window_s=30, clock=Clock())

    assert quiet.filter(record("broker down"))
    assert quiet.filter(record("broker down", logging.WARNING))
    assert quiet.filter(record("partitions assigned"))
    assert not quiet.filter(record("broker down"))


def test_memory_is_bounded() -> None:
    quiet = RepeatFilter(window_s=30, clock=Clock())
    for kind in range(5_000):
        quiet.filter(record(f"kind {'x' * (kind % 97)} {chr(65 + kind % 26)}{kind}"))

    assert len(quiet._runs) <= 1_000
