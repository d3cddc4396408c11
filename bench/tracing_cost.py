"""`python -m bench tracing`: what tracing a transfer costs under load, inside one run.

Deposits go through nginx to the API over GraphQL WebSocket at a steady rate (open loop),
while the heartbeat adds the background load. Every deposit carries a `traceparent` in its
operation's `extensions`, as the page sends one with each click: every other one sampled, so
the API and the handler trace it and export its spans to Zipkin, the rest marked not
sampled, so no service spends anything on them. Both halves share the stack, the machine and
the background load, whose sampled share (`OPEN_BANK_TRACING_BACKGROUND_RATIO`) is the same
for both; tracing off altogether differs from the untraced half by that share only.

It prints n, failures, p50 and p99 of each half and the traced/untraced ratio of each with a
90 % block bootstrap interval (`bench.stats.block_ratios`): bursts (a garbage collection, a
checkpoint, a batch that waits) slow neighbouring deposits of both halves alike, so blocks
of `--block-s` seconds, not deposits, are the units drawn. It then looks a few traces up in
Zipkin: each traced deposit's trace must hold spans of the API and the handler, and an
untraced one must not be there. The samples go to a JSON-lines file; `--report FILE…`
prints the figures of one or more such runs again, pooled (each run's blocks its own).

`--switch PAIRS` measures the whole stack with tracing on against off, back to back, in
pairs of segments of `--duration` each (`bench.tracing_switch`): each pair's on/off ratio,
and their geometric mean over the pairs of all runs given to `--report`. The halves above
are then compared inside the segments with tracing on.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import httpx

from bench.api_phases import paced_transfers
from bench.cpu import machine_cpu_times, steal_share
from bench.heartbeat_client import HeartbeatClient, HeartbeatControlError
from bench.interactions import heartbeat_setting_for
from bench.stats import BlockSample, block_ratios, latency_stats
from bench.tracing_samples import Deposit, pooled, read_run, write_run
from bench.tracing_switch import (
    SwitchError,
    print_switched_figures,
    segment_order,
    switch_stack_tracing,
)

__all__ = ["HELP", "carries_trace", "configure", "run"]

HELP = "tracing's cost per transfer under load: traced and untraced deposits in one run"
_CHECKED_TRACES = 5
_TIMEOUT_S = 5.0


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum`."""

    def whole(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {text}")
        return value

    return whole


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default="ws://127.0.0.1:8080/graphql", help="through nginx")
    parser.add_argument("--heartbeat-url", default="http://127.0.0.1:9103")
    parser.add_argument("--zipkin-url", default="http://127.0.0.1:9411")
    parser.add_argument("--load", type=int, default=1000, help="background load, msg/s")
    parser.add_argument("--rate", type=_positive, default=50.0, help="deposits/s")
    parser.add_argument("--duration", type=_positive, default=600.0, help="seconds measured")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds at load first")
    parser.add_argument(
        "--warm-up",
        type=float,
        default=120.0,
        help="with --switch: seconds more at load before the first segment, not measured",
    )
    parser.add_argument("--clients", type=int, default=10, help="WebSocket connections")
    parser.add_argument(
        "--traced-every",
        type=_at_least(1),
        default=2,
        metavar="N",
        help="one deposit in N carries a sampled trace context (50 at 50/s: a click a second)",
    )
    parser.add_argument("--block-s", type=_positive, default=10.0, help="bootstrap block, seconds")
    parser.add_argument(
        "--switch",
        type=_at_least(0),
        default=0,
        metavar="PAIRS",
        help="pairs of segments, tracing off and on in the whole stack (restarts the services)",
    )
    parser.add_argument("--out", type=Path, default=Path(".run/bench"))
    parser.add_argument(
        "--report", type=Path, nargs="+", help="print the figures of written runs, pooled"
    )


def run(arguments: argparse.Namespace) -> int:
    if arguments.report is not None:
        try:
            runs = [read_run(path) for path in arguments.report]
        except (OSError, ValueError, KeyError) as error:
            print(f"cannot read a tracing run: {error}", file=sys.stderr)
            return 2
        block_s = float(runs[0][0]["block_s"])
        _print_figures(pooled([deposits for _header, deposits in runs], block_s), block_s)
        return 0
    try:
        return asyncio.run(_measure(arguments))
    except HeartbeatControlError as error:
        print(f"{error}; is the stack up (./bank up)?", file=sys.stderr)
        return 2
    except SwitchError as error:
        print(error, file=sys.stderr)
        return 2


async def _measure(arguments: argparse.Namespace) -> int:
    async with HeartbeatClient(arguments.heartbeat_url) as heartbeat:
        before = await heartbeat.read()
    load_before = os.getloadavg()
    cpu_before = machine_cpu_times()
    try:
        if arguments.switch:
            deposits = await _switched(arguments)
        else:
            deposits = await _at_load(arguments, 0.0, arguments.settle)
    finally:
        async with HeartbeatClient(arguments.heartbeat_url) as heartbeat:
            await heartbeat.set_load(before["batch_size"], before["sleep_ms"])
    load_after = os.getloadavg()
    steal = steal_share(cpu_before, machine_cpu_times())
    header = {
        "load": arguments.load,
        "rate": arguments.rate,
        "duration": arguments.duration,
        "clients": arguments.clients,
        "traced_every": arguments.traced_every,
        "block_s": arguments.block_s,
        "switch": arguments.switch,
        "settle": arguments.settle,
        "warm_up": arguments.warm_up if arguments.switch else 0.0,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "steal": round(steal, 4),
    }
    path = write_run(arguments.out, header, deposits)
    print(
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; CPU steal"
        f" {steal:.1%} of the machine's time; samples: {path}"
    )
    _print_figures(deposits, arguments.block_s)
    on = [d for d in deposits if d.stack_tracing]
    off = [d for d in deposits if not d.stack_tracing]
    # With tracing off in the whole stack, even a deposit that asks for it is not traced.
    return 0 if _check_traces(arguments.zipkin_url, on, [d for d in off if d.traced]) else 1


async def _switched(arguments: argparse.Namespace) -> list[Deposit]:
    """Segments with tracing off and on, switched by restarting the services; each
    segment's times continue the run's, so that no bootstrap block spans two segments."""
    deposits: list[Deposit] = []
    started = time.monotonic()
    try:
        for segment, on in enumerate(segment_order(arguments.switch)):
            await asyncio.to_thread(switch_stack_tracing, on)
            start_s = time.monotonic() - started
            # A stack just started is slower for its first minutes, and the first segment
            # is always off: measured then, it would favour tracing in the first pair.
            settle_s = arguments.settle + (arguments.warm_up if segment == 0 else 0.0)
            measured = await _at_load(arguments, start_s, settle_s, segment, on)
            deposits += measured
            print(f"segment {segment} (tracing {'on' if on else 'off'}): {len(measured)} deposits")
    finally:
        # Back as this process's environment says, as the run found it.
        await asyncio.to_thread(switch_stack_tracing, None)
    return deposits


async def _at_load(
    arguments: argparse.Namespace,
    start_s: float,
    settle_s: float,
    segment: int = 0,
    on: bool = True,
) -> list[Deposit]:
    """The background load on, `settle_s` at load, then the deposits of one segment."""
    async with HeartbeatClient(arguments.heartbeat_url) as heartbeat:
        await heartbeat.set_load(*heartbeat_setting_for(arguments.load))
    await asyncio.sleep(settle_s)
    cpu_before = machine_cpu_times()
    deposits = await _deposits(arguments)
    steal = steal_share(cpu_before, machine_cpu_times())
    return [
        replace(d, sent_s=d.sent_s + start_s, segment=segment, stack_tracing=on, steal=steal)
        for d in deposits
    ]


def carries_trace(index: int, clients: int, every: int) -> bool:
    """Whether deposit `index`, sent on connection `index % clients`, carries a sampled
    context: round plus connection, so one in `every` exactly, on every connection alike."""
    return (index // clients + index % clients) % every == 0


async def _deposits(arguments: argparse.Namespace) -> list[Deposit]:
    trace_ids: dict[int, str] = {}
    clients: int = arguments.clients
    every: int = arguments.traced_every

    def traced(index: int) -> bool:
        return carries_trace(index, clients, every)

    def extensions_for(index: int) -> dict[str, str]:
        trace_ids[index] = f"{random.getrandbits(128):032x}"
        flags = "01" if traced(index) else "00"
        return {"traceparent": f"00-{trace_ids[index]}-{random.getrandbits(64):016x}-{flags}"}

    transfers, _seconds = await paced_transfers(
        arguments.url,
        "graphql-transport-ws",
        arguments.rate,
        arguments.duration,
        clients,
        extensions_for,
        _TIMEOUT_S,
    )
    return [
        Deposit(t.sent_s, traced(t.index), trace_ids[t.index], t.seconds * 1000 if t.ok else None)
        for t in transfers
    ]


def _print_figures(deposits: Sequence[Deposit], block_s: float) -> None:
    if any(not d.stack_tracing for d in deposits):
        print_switched_figures(deposits)
        deposits = [d for d in deposits if d.stack_tracing]
    print("deposit → its result, through nginx (ms), tracing on in the stack:")
    print("| deposits | n | failed | mean | p50 | p99 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, traced in (("untraced", False), ("traced", True)):
        stats = latency_stats([d.latency_ms for d in deposits if d.traced is traced])
        print(
            f"| {name} | {stats.n} | {stats.timeouts} | {stats.mean_ms or 0:.1f}"
            f" | {stats.p50_ms or 0:.1f} | {stats.p99_ms or 0:.1f} |"
        )
    samples = [
        BlockSample(d.sent_s, d.traced, d.latency_ms) for d in deposits if d.latency_ms is not None
    ]
    ratios = block_ratios(samples, (0.5, 0.99), block_s)
    for name, fraction in (("p50", 0.5), ("p99", 0.99)):
        ratio = ratios[fraction]
        print(
            f"traced/untraced {name}: {ratio.value:.3f} (90 % block bootstrap interval"
            f" {ratio.low:.3f} to {ratio.high:.3f}, blocks of {block_s:g} s)"
        )


def _check_traces(
    zipkin_url: str, tracing_on: Sequence[Deposit], never_traced: Sequence[Deposit]
) -> bool:
    """Whether Zipkin holds the API's and the handler's spans of some traced deposits of
    `tracing_on`, and nothing of as many of its untraced ones and of `never_traced` (the
    halves and the segments are what they claim to be)."""
    done = [d for d in tracing_on if d.latency_ms is not None]
    traced = [d for d in done if d.traced][-_CHECKED_TRACES:]
    untraced = [d for d in done if not d.traced][-_CHECKED_TRACES:]
    untraced += [d for d in never_traced if d.latency_ms is not None][-_CHECKED_TRACES:]
    time.sleep(3)  # The services export spans in batches, a few seconds apart.
    whole = sum(_services(zipkin_url, d.trace_id) >= {"backend", "command-handler"} for d in traced)
    absent = sum(not _services(zipkin_url, d.trace_id) for d in untraced)
    print(
        f"zipkin: {whole} of {len(traced)} traced deposits have spans of backend and"
        f" command-handler; {absent} of {len(untraced)} untraced ones have no trace"
    )
    return whole == len(traced) and absent == len(untraced)


def _services(zipkin_url: str, trace_id: str) -> set[str]:
    response = httpx.get(f"{zipkin_url}/api/v2/trace/{trace_id}", timeout=10)
    if response.status_code == httpx.codes.NOT_FOUND:
        return set()
    response.raise_for_status()
    return {span["localEndpoint"]["serviceName"] for span in response.json()}
