"""The browser benchmark's commands: `browser` (a run), `report` and `hotspots`.

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
from pathlib import Path

from bench.browser import LoginFailedError
from bench.heartbeat_client import HeartbeatControlError
from bench.options import RunOptions
from bench.profiles import hot_frames
from bench.report import ReportPaths, write_report
from bench.runner import run_benchmark
from stack.layout import REPO_DIR, StackLayout

__all__ = [
    "BROWSER_DESCRIPTION",
    "BROWSER_HELP",
    "HOTSPOTS_DESCRIPTION",
    "HOTSPOTS_HELP",
    "REPORT_DESCRIPTION",
    "REPORT_HELP",
    "configure_browser",
    "configure_hotspots",
    "configure_report",
    "run_browser",
    "run_hotspots",
    "run_report",
]

BROWSER_DESCRIPTION = """\
The end-to-end latency benchmark against the running stack: a browser times deposits and
transfers on the bank's page while the heartbeat raises the load step by step. Prints the
path of the run file (JSON Lines: a row per interaction, resource sample and step) in
--out-dir; `report` turns it into tables and charts."""
BROWSER_HELP = "run the latency benchmark in a browser against the running stack"
REPORT_DESCRIPTION = """\
Tables, charts and summary.json from run files (default: the newest in --out-dir). Prints
the report's Markdown: per run and load step, latency percentiles and time-outs, then CPU
and memory of every component."""
REPORT_HELP = "tables, charts and summary.json from runs"
HOTSPOTS_DESCRIPTION = """\
Prints each thread's largest frames (share of samples, thread, function) in the py-spy
profiles of a run (`browser --profile-from`)."""
HOTSPOTS_HELP = "each thread's largest frames in profiles"

PUBLISHED_CHARTS = REPO_DIR / "docs"
PUBLISHED_SUMMARY = REPO_DIR / "frontend" / "public" / "bench" / "summary.json"
CHART_PREFIX = "benchmark-"


def _configure_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("OPEN_BANK_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # One heartbeat request per interaction: its INFO line would drown the run's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def configure_browser(parser: argparse.ArgumentParser) -> None:
    """The options of a browser run; defaults follow the stack's layout."""
    layout = StackLayout.from_environ()
    parser.add_argument("--short", action="store_true", help="about two minutes, 4 load steps")
    parser.add_argument("--base-url", default=f"http://127.0.0.1:{layout.ports.nginx}/")
    parser.add_argument("--heartbeat-url", default=f"http://127.0.0.1:{layout.ports.heartbeat}")
    parser.add_argument("--out-dir", type=Path, default=layout.run_dir / "bench")
    parser.add_argument("--max-load", type=int, help="stop after the step at this load (msg/s)")
    parser.add_argument("--max-minutes", type=float, help="stop after this many minutes")
    parser.add_argument("--step-every", type=int, help="interactions per load step (60)")
    parser.add_argument("--step-load", type=int, help="msg/s added per step (10)")
    parser.add_argument("--sample-every", type=int, help="interactions between samples (20)")
    parser.add_argument("--timeout-ms", type=int, help="time-out of one interaction (5000)")
    parser.add_argument(
        "--interval-ms", type=int, help="time between the starts of two interactions (1000)"
    )
    parser.add_argument(
        "--untraced-every",
        type=_odd_above_one,
        metavar="N",
        help="every Nth interaction untraced: tracing's cost within one run (compare --within);"
        " odd, since deposits and transfers alternate",
    )
    parser.add_argument("--username", help="the benchmark's account (login or register)")
    parser.add_argument(
        "--profile-from",
        type=int,
        help="from this load (msg/s) on, py-spy the handler and backend in each step",
    )


def _odd_above_one(text: str) -> int:
    # An even N would leave only deposits untraced and compare them with transfers.
    value = int(text)
    if value < 3 or value % 2 == 0:
        raise argparse.ArgumentTypeError(f"must be odd and at least 3, got {value}")
    return value


def configure_report(parser: argparse.ArgumentParser) -> None:
    """The report's options."""
    layout = StackLayout.from_environ()
    parser.add_argument("runs", nargs="*", type=Path, help="run files (default: the newest)")
    parser.add_argument("--out-dir", type=Path, default=layout.run_dir / "bench")
    parser.add_argument(
        "--publish",
        action="store_true",
        help="charts into docs/, summary into frontend/public/bench/summary.json",
    )


def configure_hotspots(parser: argparse.ArgumentParser) -> None:
    """The profiles to read."""
    parser.add_argument("profiles", nargs="+", type=Path, help="profile-*.txt of a run")


def _run_options(args: argparse.Namespace) -> RunOptions:
    given = {
        "base_url": args.base_url,
        "heartbeat_url": args.heartbeat_url,
        "run_dir": StackLayout.from_environ().run_dir,
        "out_dir": args.out_dir,
    }
    names = (
        "max_load",
        "max_minutes",
        "step_every",
        "step_load",
        "sample_every",
        "profile_from",
        "interval_ms",
        "untraced_every",
    )
    for name in names:
        if getattr(args, name) is not None:
            given[name] = getattr(args, name)
    if args.timeout_ms is not None:
        given["timeout_ms"] = args.timeout_ms
    if args.username is not None:
        given["username"] = args.username
    return RunOptions.short(**given) if args.short else RunOptions(**given)


def run_browser(args: argparse.Namespace) -> int:
    """Run the benchmark; print the run file's path."""
    _configure_logging()
    try:
        path = asyncio.run(run_benchmark(_run_options(args)))
    except (HeartbeatControlError, LoginFailedError) as error:
        print(f"{error}\nIs the stack up? ./bank up", file=sys.stderr)
        return 1
    print(path)
    return 0


def run_hotspots(args: argparse.Namespace) -> int:
    """Print each profile's hot frames."""
    _configure_logging()
    for profile in args.profiles:
        print(f"## {profile.name}")
        for frame in hot_frames(profile.read_text(encoding="utf-8")):
            print(f"{frame.share:6.1%}  {frame.thread[:40]:40}  {frame.function}")
    return 0


def _newest_run(out_dir: Path) -> list[Path]:
    runs = sorted(out_dir.glob("run-*.jsonl"))
    return runs[-1:]


def run_report(args: argparse.Namespace) -> int:
    """Write the report of the given runs (or the newest); print its Markdown."""
    _configure_logging()
    runs = args.runs or _newest_run(args.out_dir)
    if not runs:
        print(
            f"no run files in {args.out_dir}; run `python -m bench browser` first",
            file=sys.stderr,
        )
        return 1
    paths = ReportPaths(
        charts_dir=PUBLISHED_CHARTS if args.publish else args.out_dir,
        chart_prefix=CHART_PREFIX,
        summary_json=PUBLISHED_SUMMARY if args.publish else args.out_dir / "summary.json",
        markdown=args.out_dir / "report.md",
    )
    print(write_report(runs, paths))
    return 0
