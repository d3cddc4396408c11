"""A click's trace cut into hops (the same hops as the UI's timeline), and the report's
per-hop table built from the run file's trace rows."""

from __future__ import annotations

from typing import Any

from bench.hops_table import hops_table
from bench.rows import InteractionRow, TraceRow, dump_row, parse_row
from bench.trace_hops import HOPS, hops_of, trace_rows


def _span(service: str, name: str, start: int, duration: int, **extra: Any) -> dict[str, Any]:
    return {
        "traceId": "t1",
        "localEndpoint": {"serviceName": service},
        "name": name,
        "timestamp": start,
        "duration": duration,
        **extra,
    }


CLICK = [
    _span("browser", "click deposit", 1_000_000_000, 40_000, kind="CLIENT"),
    _span("backend", "graphql money_transfer", 1_000_002_000, 37_000, kind="SERVER"),
    _span("backend", "send confirmmoneytransfer", 1_000_002_500, 1_500, kind="PRODUCER"),
    _span(
        "command-handler",
        "decide confirmmoneytransfer",
        1_000_010_000,
        20_000,
        annotations=[{"timestamp": 1_000_014_000, "value": '{"stored": {}}'}],
    ),
    _span("backend", "deliver balancechanged", 1_000_031_000, 500),
    _span("browser", "render transaction", 1_000_033_000, 9_000),
]


def test_a_click_trace_has_every_hop_in_order_adding_up_to_click_to_screen() -> None:
    hops = hops_of(CLICK)
    assert list(hops) == list(HOPS)
    assert list(hops.values()) == [2.0, 2.0, 6.0, 4.0, 16.0, 1.0, 11.0]
    assert sum(hops.values()) == 42.0


def test_a_late_acknowledgement_never_makes_a_hop_negative() -> None:
    late = [
        _span("backend", "send confirmmoneytransfer", 0, 9_000, kind="PRODUCER"),
        _span("command-handler", "decide confirmmoneytransfer", 5_000, 10_000),
    ]
    assert hops_of(late) == {HOPS[2]: 0.0, HOPS[3]: 10.0}


def test_trace_rows_take_the_load_of_their_click_and_survive_the_run_file() -> None:
    clicks = [
        InteractionRow(
            n=0,
            at=999.0,
            load=0,
            kind="deposit",
            amount_cents=1000,
            latency_ms=40.0,
            polled_ms=50.0,
        ),
        InteractionRow(
            n=1,
            at=1000.0,
            load=1000,
            kind="deposit",
            amount_cents=1000,
            latency_ms=40.0,
            polled_ms=50.0,
        ),
    ]
    browser_only = [_span("browser", "click deposit", 1_000_000_000, 40_000)]
    assert hops_of(browser_only) == {}
    untraced = [_span("backend", "deliver balancechanged", 0, 1)]
    [row] = trace_rows([CLICK, untraced, browser_only], clicks)
    assert (row.load, row.trace_id, row.at) == (1000, "t1", 1000.0)
    assert parse_row(dump_row(row)) == row


def test_the_report_table_gives_each_hop_its_median_and_p99_per_load() -> None:
    rows = [
        TraceRow(at=float(i), load=1000, trace_id=str(i), hops={HOPS[0]: float(i)})
        for i in range(1, 101)
    ]
    table = hops_table(rows)
    assert table is not None
    assert "| 1000 | click → API | 100 |" in table
    assert hops_table([]) is None
