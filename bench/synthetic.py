"""A small synthetic run: test data for the report, and a demo without a stack."""

from __future__ import annotations

from bench.rows import ComponentUsage, EndRow, InteractionRow, ResourceRow, Row, RunRow

__all__ = ["synthetic_run"]


def synthetic_run(steps: int = 3, per_step: int = 6) -> list[Row]:
    """``steps`` load steps of 10 msg/s each; latency grows with load; last click times out."""
    rows: list[Row] = [
        RunRow(
            run_id="test-run",
            started_at="2026-01-01T00:00:00+00:00",
            settings={"step_load": 10},
            machine={"cpus": 2, "memory_mib": 24_000, "platform": "Linux"},
        )
    ]
    n = 0
    for step in range(steps):
        load = 10 * step
        for index in range(per_step):
            last = step == steps - 1 and index == per_step - 1
            latency = None if last else 10.0 + load + index
            rows.append(
                InteractionRow(
                    n=n,
                    at=1_700_000_000.0 + n,
                    load=load,
                    kind="deposit" if n % 2 == 0 else "transfer",
                    amount_cents=1000,
                    latency_ms=latency,
                    polled_ms=None if latency is None else latency + 25,
                    answered_ms=None if latency is None else latency - 5,
                    beats=n * load,
                )
            )
            n += 1
        rows.append(
            ResourceRow(
                n=n - 1,
                at=1_700_000_000.0 + n,
                load=load,
                components={
                    "kafka": ComponentUsage(cpu_percent=5.0 + step, rss_mib=400.0),
                    "command-handler": ComponentUsage(cpu_percent=2.0, rss_mib=40.0 + step),
                },
                lags={"command-handler": 5 * step},
            )
        )
    rows.append(EndRow(reason="max_load", interactions=n, max_load=10 * (steps - 1)))
    return rows
