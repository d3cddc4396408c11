"""`python -m tests.support.faults.soak`: steady load for a long time; memory flat, latency
steady, nothing lost.

Runs on a private stack (started if needed, left running): the generated load at
`--load` msg/s plus `--clients` scripted GraphQL clients for `--minutes`. Every
`--sample-s` seconds it samples the resident memory of every Python service and prints a
line; at the end it stops the load, waits for every consumer group to catch up and runs
every check of `invariants`. The summary (also written as JSON to `--out`) gives,
per service, the RSS at the start and end and its least-squares slope (MiB/hour, after the
warm-up), the clients' latency (mean/p50/p99/max, ms) per window, the RSS samples themselves, the
events reported out of account order, and the violations (none expected). `--down` stops
the private stack at the end. Not part of CI: it is meant to run for an hour.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support.faults.clients import ScriptedClients
from tests.support.faults.port_plan import SOAK_OFFSET
from tests.support.faults.private_stack import PrivateStack
from tests.support.faults.scenario import verify
from tests.support.faults.soak_stats import latency_windows, slope_per_hour

__all__ = ["main", "run_soak"]

_WARM_UP_S = 120.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.faults.soak", description=__doc__
    )
    parser.add_argument("--minutes", type=float, default=60.0, help="how long to run")
    parser.add_argument("--load", type=int, default=100, help="generated load, msg/s")
    parser.add_argument("--clients", type=int, default=2, help="scripted GraphQL clients")
    parser.add_argument("--sample-s", type=float, default=30.0, help="RSS sampling period")
    parser.add_argument("--window-s", type=float, default=300.0, help="latency window")
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/open-bank-soak"))  # noqa: S108
    parser.add_argument("--port-offset", type=int, default=SOAK_OFFSET)
    parser.add_argument("--out", type=Path, default=Path("soak-summary.json"))
    parser.add_argument("--down", action="store_true", help="stop the private stack at the end")
    return parser


def run_soak(
    stack: PrivateStack,
    *,
    minutes: float,
    load: int,
    clients: int,
    sample_s: float,
    window_s: float,
) -> dict[str, Any]:
    """Run the soak on `stack` (already up); the summary as a JSON-ready dict."""
    scripted = ScriptedClients(stack.backend_url, clients).start()
    stack.set_load(load)
    started = time.time()
    samples: dict[str, list[tuple[float, float]]] = {}
    try:
        while (now := time.time()) < started + minutes * 60:
            rss = stack.rss_mib()
            for name, mib in rss.items():
                samples.setdefault(name, []).append((now - started, mib))
            done = sum(r.completed for r in scripted.reports)
            shown = " ".join(f"{n}={m:.0f}MiB" for n, m in sorted(rss.items()))
            print(f"{(now - started) / 60:5.1f} min  {shown}  client ops={done}", flush=True)
            time.sleep(sample_s)
    finally:
        stack.set_load(0)
        reports = scripted.stop()
    verdict = verify(stack, settle_bound_s=300)
    latencies = [sample for report in reports for sample in report.latencies]
    windows = latency_windows(latencies, started, window_s)
    memory = {
        name: {
            "start_mib": round(points[0][1], 1),
            "end_mib": round(points[-1][1], 1),
            "slope_mib_per_hour": round(
                slope_per_hour([p for p in points if p[0] >= _WARM_UP_S] or points), 2
            ),
        }
        for name, points in sorted(samples.items())
    }
    return {
        "minutes": minutes,
        "load_msg_per_s": load,
        "clients": clients,
        "memory": memory,
        "latency_windows": [
            {
                "from_min": round(w.start_s / 60, 1),
                "operations": w.count,
                "mean_ms": round(w.mean_ms, 1),
                "p50_ms": round(w.p50_ms, 1),
                "p99_ms": round(w.p99_ms, 1),
                "max_ms": round(w.max_ms, 1),
            }
            for w in windows
        ],
        "client_failures": [r.failure for r in reports if r.failure],
        "rss_samples_mib": {
            name: [[round(t / 60, 1), round(mib, 1)] for t, mib in points]
            for name, points in sorted(samples.items())
        },
        "verdict": verdict.summary(),
        "reported_out_of_account_order": len(verdict.order_violations),
        "violations": [str(v) for v in verdict.violations],
        "settled": verdict.settle_s is not None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Start (or reuse) the private stack, soak it, print and write the summary."""
    args = _parser().parse_args(argv)
    stack = PrivateStack(args.run_dir, args.port_offset)
    print(f"stack {args.run_dir} up in {stack.up():.0f} s", flush=True)
    try:
        summary = run_soak(
            stack,
            minutes=args.minutes,
            load=args.load,
            clients=args.clients,
            sample_s=args.sample_s,
            window_s=args.window_s,
        )
    finally:
        if args.down:
            stack.down()
    text = json.dumps(summary, indent=2)
    args.out.write_text(text + "\n")
    print(text)
    clean = not summary["violations"] and summary["settled"] and not summary["client_failures"]
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
