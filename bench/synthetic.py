"""A small synthetic run: test data for the report, and a demo without a stack."""

from __future__ import annotations

from bench.rows import ComponentUsage, EndRow, InteractionRow, ResourceRow, Row, RunRow

__all__ = ["synthetic_run"]


def _counters(n: int) -> dict[str, dict[str, float]]:
    """Services' counters after ``n`` interactions (one second each): 10 beats/s, 10 commands/s
    in batches of 2 taking 20 ms each (5 ms PostgreSQL, 15 ms Kafka)."""
    handler = "open_bank_command_handler_"
    batches = 5.0 * n
    return {
        "heartbeat": {"produced": 10.0 * n, "delivered": 10.0 * n, "failed": 0.0},
        "command-handler": {
            f'{handler}commands_total{{kind="money_transfer",outcome="confirmed"}}': 10.0 * n,
            f"{handler}batch_size_sum": 2 * batches,
            f"{handler}batch_size_count": batches,
            f"{handler}batch_seconds_sum": 0.02 * batches,
            f"{handler}batch_seconds_count": batches,
            f'{handler}phase_seconds_sum{{phase="store"}}': 0.005 * batches,
            f'{handler}phase_seconds_count{{phase="store"}}': batches,
            f'{handler}phase_seconds_sum{{phase="publish"}}': 0.015 * batches,
            f'{handler}phase_seconds_count{{phase="publish"}}': batches,
        },
    }


def synthetic_run(steps: int = 3, per_step: int = 6) -> list[Row]:
    """``steps`` load steps of 10 msg/s each; latency grows with load; last click times out.

    Samples come one per step (after its last click) plus a baseline before the first, with
    counters rising at a steady rate (see ``_counters``)."""
    rows: list[Row] = [
        RunRow(
            run_id="test-run",
            started_at="2026-01-01T00:00:00+00:00",
            settings={"step_load": 10},
            machine={"cpus": 2, "memory_mib": 24_000, "platform": "Linux"},
        )
    ]
    rows.append(
        ResourceRow(n=-1, at=1_700_000_000.0, load=0, metrics=_counters(0), load_average_1m=0.5)
    )
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
                    painted_ms=None if latency is None else latency + 8,
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
                metrics=_counters(n),
                load_average_1m=1.0 + step,
            )
        )
    rows.append(EndRow(reason="max_load", interactions=n, max_load=10 * (steps - 1)))
    return rows
