"""``python -m bench run [--short] …`` and ``python -m bench report [RUN.jsonl …] [--publish]``.

Defaults follow the stack (``OPEN_BANK_RUN_DIR``, ``OPEN_BANK_PORT_OFFSET``): results go
to ``<run dir>/bench``. ``report --publish`` writes the charts to ``docs/`` and the UI's
``frontend/public/bench/summary.json`` instead of the run dir.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.browser import LoginFailedError
from bench.heartbeat_client import HeartbeatControlError
from bench.options import RunOptions
from bench.profiles import hot_frames
from bench.report import ReportPaths, write_report
from bench.runner import run_benchmark
from stack.layout import REPO_DIR, StackLayout

__all__ = ["main"]

PUBLISHED_CHARTS = REPO_DIR / "docs"
PUBLISHED_SUMMARY = REPO_DIR / "frontend" / "public" / "bench" / "summary.json"
CHART_PREFIX = "benchmark-"


def _parser(layout: StackLayout) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the latency benchmark against the running stack")
    run.add_argument("--short", action="store_true", help="about two minutes, 4 load steps")
    run.add_argument("--base-url", default=f"http://127.0.0.1:{layout.ports.nginx}/")
    run.add_argument("--heartbeat-url", default=f"http://127.0.0.1:{layout.ports.heartbeat}")
    run.add_argument("--out-dir", type=Path, default=layout.run_dir / "bench")
    run.add_argument("--max-load", type=int, help="stop after the step at this load (msg/s)")
    run.add_argument("--max-minutes", type=float, help="stop after this many minutes")
    run.add_argument("--step-every", type=int, help="interactions per load step (60)")
    run.add_argument("--step-load", type=int, help="msg/s added per step (10)")
    run.add_argument("--sample-every", type=int, help="interactions between samples (20)")
    run.add_argument("--timeout-ms", type=int, help="time-out of one interaction (5000)")
    run.add_argument("--username", help="the benchmark's account (login or register)")
    run.add_argument(
        "--profile-from",
        type=int,
        help="from this load (msg/s) on, py-spy the handler and backend in each step",
    )
    hotspots = commands.add_parser("hotspots", help="each thread's largest frames in profiles")
    hotspots.add_argument("profiles", nargs="+", type=Path, help="profile-*.txt of a run")
    report = commands.add_parser("report", help="tables, charts and summary.json from runs")
    report.add_argument("runs", nargs="*", type=Path, help="run files (default: the newest)")
    report.add_argument("--out-dir", type=Path, default=layout.run_dir / "bench")
    report.add_argument(
        "--publish",
        action="store_true",
        help="charts into docs/, summary into frontend/public/bench/summary.json",
    )
    return parser


def _run_options(args: argparse.Namespace, layout: StackLayout) -> RunOptions:
    given = {
        "base_url": args.base_url,
        "heartbeat_url": args.heartbeat_url,
        "run_dir": layout.run_dir,
        "out_dir": args.out_dir,
    }
    names = ("max_load", "max_minutes", "step_every", "step_load", "sample_every", "profile_from")
    for name in names:
        if getattr(args, name) is not None:
            given[name] = getattr(args, name)
    if args.timeout_ms is not None:
        given["timeout_ms"] = args.timeout_ms
    if args.username is not None:
        given["username"] = args.username
    return RunOptions.short(**given) if args.short else RunOptions(**given)


def _newest_run(out_dir: Path) -> list[Path]:
    runs = sorted(out_dir.glob("run-*.jsonl"))
    return runs[-1:]


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("OPEN_BANK_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # One heartbeat request per interaction: its INFO line would drown the run's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    layout = StackLayout.from_environ()
    args = _parser(layout).parse_args(argv)
    if args.command == "run":
        try:
            path = asyncio.run(run_benchmark(_run_options(args, layout)))
        except (HeartbeatControlError, LoginFailedError) as error:
            print(f"{error}\nIs the stack up? ./bank up", file=sys.stderr)
            return 1
        print(path)
        return 0
    if args.command == "hotspots":
        for profile in args.profiles:
            print(f"## {profile.name}")
            for frame in hot_frames(profile.read_text(encoding="utf-8")):
                print(f"{frame.share:6.1%}  {frame.thread[:40]:40}  {frame.function}")
        return 0
    runs = args.runs or _newest_run(args.out_dir)
    if not runs:
        print(f"no run files in {args.out_dir}; run `python -m bench run` first", file=sys.stderr)
        return 1
    paths = ReportPaths(
        charts_dir=PUBLISHED_CHARTS if args.publish else args.out_dir,
        chart_prefix=CHART_PREFIX,
        summary_json=PUBLISHED_SUMMARY if args.publish else args.out_dir / "summary.json",
        markdown=args.out_dir / "report.md",
    )
    print(write_report(runs, paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
