"""``python -m bench browser``: the latency benchmark against a running stack.

Once per interval (1 s) the browser clicks a deposit button or submits a transfer and the
page times how long until the new amount shows; every ``step_every`` interactions the
heartbeat is asked for ``step_load`` more messages/s; every ``sample_every`` interactions
CPU and memory of every component are sampled. Rows are appended (and flushed) to a JSON
Lines file as they come, so a run cut short still leaves its data. The heartbeat's own
setting is put back at the end, whatever happens.
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import subprocess
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import psutil
from playwright.async_api import async_playwright

from bench.browser import BankPage, launch_chromium
from bench.heartbeat_client import HeartbeatClient
from bench.interactions import heartbeat_setting_for, interaction_for, load_for
from bench.lag import ConsumerLag
from bench.options import RunOptions
from bench.profiles import StepProfiler
from bench.resources import ComponentSampler, stack_component_pids
from bench.rows import EndRow, InteractionRow, ResourceRow, Row, RunRow, dump_row, read_rows
from bench.service_metrics import ServiceMetrics, service_endpoints
from bench.trace_hops import fetch_click_traces, trace_rows
from stack.env import service_env
from stack.errors import StackError
from stack.layout import StackLayout
from topology.settings import KafkaSettings

__all__ = ["machine_facts", "run_benchmark"]

log = logging.getLogger(__name__)

_HEARTBEAT_COUNTERS = ("produced", "delivered", "failed")


def machine_facts(browser_version: str) -> dict[str, Any]:
    """What the numbers depend on: cores, memory, OS, Python, Chromium, commit."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "cpus": os.cpu_count(),
        "memory_mib": psutil.virtual_memory().total // (1024 * 1024),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "chromium": browser_version,
        "commit": commit,
        # Others' work on the machine skews every figure: note how busy it was at the start.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _consumer_lag(run_dir: Path) -> ConsumerLag | None:
    """A lag reader with the ``bench`` principal's certificate, or None when there is none."""
    layout = StackLayout.from_environ({**os.environ, "OPEN_BANK_RUN_DIR": str(run_dir)})
    try:
        env = service_env("bench", layout)
    except (StackError, OSError) as error:
        log.warning("consumer lag will not be sampled: %s", error)
        return None
    prefix = "OPEN_BANK_KAFKA_"
    ours = {
        name.removeprefix(prefix).lower(): v for name, v in env.items() if name.startswith(prefix)
    }
    return ConsumerLag(KafkaSettings.model_validate(ours))


class _RowWriter:
    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, row: Row) -> None:
        self._out.write(dump_row(row) + "\n")
        self._out.flush()


class _Run:
    """State of one run between interactions."""

    def __init__(
        self,
        options: RunOptions,
        heartbeat: HeartbeatClient,
        writer: _RowWriter,
        profiler: StepProfiler,
    ) -> None:
        self.options = options
        self.profiler = profiler
        self.heartbeat = heartbeat
        self.writer = writer
        self.sampler = ComponentSampler(options.run_dir)
        self.lag = _consumer_lag(options.run_dir)
        layout = StackLayout.from_environ({**os.environ, "OPEN_BANK_RUN_DIR": str(options.run_dir)})
        self.service_metrics = ServiceMetrics(service_endpoints(layout.ports))
        self.load = -1
        self.max_load = 0
        self.timeouts = 0
        self.interactions = 0
        self.step_started = time.monotonic()
        self.step_delivered = 0
        self.delivered_rate: float | None = None

    async def set_load(self, load: int) -> None:
        state = await self.heartbeat.read()
        now = time.monotonic()
        if self.load > 0:
            self.delivered_rate = (state["delivered"] - self.step_delivered) / (
                now - self.step_started
            )
            log.info("load %d msg/s: %.0f delivered/s", self.load, self.delivered_rate)
        await self.heartbeat.set_load(*heartbeat_setting_for(load))
        self.load, self.max_load = load, max(self.max_load, load)
        self.step_started, self.step_delivered = now, state["delivered"]

    async def sample(self, n: int) -> None:
        components = await asyncio.to_thread(self.sampler.sample)
        at = time.time()
        lags = {} if self.lag is None else await asyncio.to_thread(self.lag.sample)
        metrics = await asyncio.to_thread(self.service_metrics.sample)
        beats = await self.heartbeat.read()
        metrics["heartbeat"] = {key: float(beats[key]) for key in _HEARTBEAT_COUNTERS}
        self.writer.write(
            ResourceRow(
                n=n,
                at=at,
                load=self.load,
                components=components,
                lags=lags,
                metrics=metrics,
                load_average_1m=round(os.getloadavg()[0], 2),
            )
        )

    async def maybe_profile(self, n: int) -> None:
        """Start the profiles a third into each step from ``profile_from`` on, once the
        step's load has settled."""
        options = self.options
        if options.profile_from is None or self.load < options.profile_from:
            return
        if n % options.step_every != options.step_every // 3:
            return
        pids = await asyncio.to_thread(stack_component_pids, options.run_dir)
        files = await self.profiler.start(self.load, pids)
        log.info("profiling at %d msg/s: %s", self.load, ", ".join(f.name for f in files))

    def stop_reason(self, n: int, started: float) -> str | None:
        options = self.options
        load = load_for(n, options.step_every, options.step_load)
        if options.max_load is not None and load > options.max_load:
            return "max_load"
        if (
            options.max_minutes is not None
            and time.monotonic() - started > 60 * options.max_minutes
        ):
            return "max_time"
        return None

    async def interact(self, bank: BankPage) -> str:
        """Run interactions until a stop condition; return the reason."""
        options = self.options
        started = time.monotonic()
        next_start = started
        n = 0
        while True:
            reason = self.stop_reason(n, started)
            if reason is not None:
                return reason
            load = load_for(n, options.step_every, options.step_load)
            if load != self.load:
                await self.set_load(load)
            await asyncio.sleep(max(0.0, next_start - time.monotonic()))
            # A slow interaction delays the next one instead of causing a burst after it.
            next_start = max(next_start + options.interval_ms / 1000, time.monotonic())
            await self.maybe_profile(n)
            interaction = interaction_for(n)
            traced = options.untraced_every is None or n % options.untraced_every != 0
            at = time.time()
            measurement = await bank.measure(interaction, options.timeout_ms, traced=traced)
            beats = (await self.heartbeat.read())["produced"]
            self.writer.write(
                InteractionRow(
                    n=n,
                    at=at,
                    load=self.load,
                    kind=interaction.kind,
                    amount_cents=interaction.amount_cents,
                    latency_ms=measurement.latency_ms,
                    polled_ms=measurement.polled_ms,
                    beats=beats,
                    error=measurement.error,
                    answered_ms=measurement.answered_ms,
                    painted_ms=measurement.painted_ms,
                    traced=None if options.untraced_every is None else traced,
                )
            )
            n += 1
            self.interactions = n
            if measurement.latency_ms is None:
                self.timeouts += 1
                log.warning("interaction %d timed out (%d so far)", n - 1, self.timeouts)
                if self.timeouts >= options.max_timeouts:
                    return "timeouts"
            if n % options.sample_every == 0:
                await self.sample(n - 1)
            if n % options.step_every == 0:
                log.info("interaction %d at %d msg/s", n, self.load)


# Each service and the browser send their spans within about a second.
_SPANS_SETTLE_S = 3.0


async def _write_traces(options: RunOptions, writer: _RowWriter, path: Path, since: float) -> None:
    """Append the clicks' traces, cut into hops, read back from Zipkin through nginx."""
    await asyncio.sleep(_SPANS_SETTLE_S)
    traces = await asyncio.to_thread(fetch_click_traces, options.base_url, since, time.time())
    clicks = [row for row in read_rows(path) if isinstance(row, InteractionRow)]
    rows = trace_rows(traces, clicks)
    for row in rows:
        writer.write(row)
    log.info("%d of %d clicks traced", len(rows), len(clicks))


def _settings_row(options: RunOptions) -> dict[str, Any]:
    return {
        key: str(value) if isinstance(value, Path) else value
        for key, value in asdict(options).items()
        if key != "password"
    }


async def run_benchmark(options: RunOptions) -> Path:
    """Run the benchmark; return the JSON Lines file written."""
    started_at = datetime.now(UTC)
    run_id = started_at.strftime("%Y%m%dT%H%M%SZ")
    options.out_dir.mkdir(parents=True, exist_ok=True)
    path = options.out_dir / f"run-{run_id}.jsonl"
    async with HeartbeatClient(options.heartbeat_url) as heartbeat, async_playwright() as pw:
        before = await heartbeat.read()
        browser = await launch_chromium(pw, options.chromium)
        with path.open("w", encoding="utf-8") as out:
            writer = _RowWriter(out)
            run = _Run(
                options,
                heartbeat,
                writer,
                StepProfiler(options.out_dir, run_id, options.profile_seconds),
            )
            try:
                writer.write(
                    RunRow(
                        run_id=run_id,
                        started_at=started_at.isoformat(timespec="seconds"),
                        settings=_settings_row(options),
                        machine=machine_facts(browser.version),
                    )
                )
                await run.set_load(0)
                bank = await BankPage.login(
                    browser, options.base_url, options.username, options.password
                )
                await run.sample(-1)  # Baseline of CPU times and counters; not a step's sample.
                reason = await run.interact(bank)
                if run.interactions % options.sample_every != 0:
                    # The step where the run stopped is the one to profile: sample it too.
                    await run.sample(run.interactions - 1)
                await run.set_load(0)  # Also measures the last step's delivered rate.
                await _write_traces(options, writer, path, started_at.timestamp())
                writer.write(
                    EndRow(
                        reason=reason,
                        interactions=run.interactions,
                        max_load=run.max_load,
                        delivered_per_second=run.delivered_rate,
                    )
                )
                log.info("run ended: %s at %d msg/s", reason, run.max_load)
            finally:
                await run.profiler.wait()
                await browser.close()
                await heartbeat.set_load(before["batch_size"], before["sleep_ms"])
                run.service_metrics.close()
                if run.lag is not None:
                    run.lag.close()
    return path
