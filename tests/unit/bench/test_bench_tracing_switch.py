"""`bench tracing --switch`: the order of its segments, the pooling of written runs and the
figures of tracing on against off, a pair of segments per bootstrap unit."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import main
from bench.tracing_cost import carries_trace
from bench.tracing_samples import Deposit, pooled, read_run, write_run
from bench.tracing_switch import segment_order


def test_the_order_alternates_per_pair() -> None:
    assert segment_order(3) == [False, True, True, False, False, True]


def _segment(
    segment: int, on: bool, latency_ms: float, start_s: float, steal: float | None = None
) -> list[Deposit]:
    return [
        Deposit(start_s + i / 10, i % 2 == 0, "", latency_ms, segment, on, steal)
        for i in range(100)
    ]


def test_a_switched_run_is_written_read_and_pooled(tmp_path: Path) -> None:
    deposits = _segment(0, False, 20.0, 0.0, 0.0312) + _segment(1, True, 22.0, 30.0, 0.2)
    path = write_run(tmp_path, {"block_s": 10.0}, deposits)
    header, read = read_run(path)
    assert header == {"block_s": 10.0}
    assert read == deposits
    # A second run starts a new pair of segments and a new block.
    twice = pooled([read, read], 10.0)
    assert sorted({d.segment for d in twice}) == [0, 1, 2, 3]
    assert min(d.sent_s for d in twice if d.segment == 2) == 40.0
    # A run without segments after one with them still starts a pair of its own.
    plain = [Deposit(0.0, True, "", 1.0)]
    assert pooled([deposits[:1], plain], 10.0)[1].segment == 2


def test_the_report_compares_tracing_on_with_off_per_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two pairs: on costs 10 % in one and 30 % in the other.
    deposits = (
        _segment(0, False, 20.0, 0.0, 0.0312)
        + _segment(1, True, 22.0, 20.0)
        + _segment(2, True, 26.0, 40.0)
        + _segment(3, False, 20.0, 60.0)
    )
    path = write_run(tmp_path, {"block_s": 10.0}, deposits)
    assert main(["tracing", "--report", str(path)]) == 0
    out = capsys.readouterr().out
    # The hypervisor's share of the CPU while the segment ran, where it was recorded.
    assert "| 0 | off | 100 | 0 | 20.0 | 20.0 | 3.1% |" in out
    assert "| 1 | on | 50 | 0 | 22.0 | 22.0 | n/a |" in out
    # The pairs' ratios weigh alike: their geometric mean; the bootstrap draws either or both.
    assert (
        "tracing on (traced deposits)/off p99: 1.196 (geometric mean over 2 pairs of segments,"
        " 90 % bootstrap interval 1.100 to 1.300)" in out
    )
    # Inside the segments with tracing on, the halves took the same.
    assert "traced/untraced p50: 1.000" in out


def test_each_half_is_compared_with_the_same_half_of_the_segment_with_tracing_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def segment(segment: int, on: bool, traced_ms: float, untraced_ms: float) -> list[Deposit]:
        return [
            Deposit(
                segment * 20 + i / 10,
                i % 10 == 0,
                "",
                traced_ms if i % 10 == 0 else untraced_ms,
                segment,
                on,
            )
            for i in range(100)
        ]

    # The deposits that ask for a trace are slower in both segments (other connections);
    # tracing on adds 10 % to each half.
    deposits = segment(0, False, 30.0, 20.0) + segment(1, True, 33.0, 22.0)
    path = write_run(tmp_path, {"block_s": 10.0}, deposits)
    assert main(["tracing", "--report", str(path)]) == 0
    out = capsys.readouterr().out
    assert "tracing on (traced deposits)/off p50: 1.100" in out
    assert "tracing on (untraced deposits)/off p50: 1.100" in out


@pytest.mark.parametrize("every", [1, 2, 3, 7, 50])
def test_one_deposit_in_every_carries_a_trace_on_every_connection(every: int) -> None:
    clients = 10
    indexes = range(clients * every * 10)
    traced = [i for i in indexes if carries_trace(i, clients, every)]
    assert len(traced) * every == len(indexes)
    assert {i % clients for i in traced} == set(range(clients))
