"""The API benchmark's three phases over GraphQL WebSocket, and their figures.

Each transfer is a ``money_transfer`` subscription depositing 1 cent from cash (so it never
fails for lack of funds), timed from sending it until its result arrives.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import uuid4

from bench.graphql_ws import GraphQLWebSocket, OperationFailedError, Protocol

__all__ = [
    "PacedTransfer",
    "PhaseResult",
    "concurrent",
    "paced",
    "paced_transfers",
    "sequential",
    "summarise",
]

GET_ACCOUNT = """
subscription ($u: String!, $p: String!) {
  get_account(username: $u, password: $p) { iban token reason }
}"""
MONEY_TRANSFER = """
subscription ($uuid: String!, $amount: Int!, $to: String!) {
  money_transfer(uuid: $uuid, token: "cash", amount: $amount, from: "cash", to: $to,
                 descr: "benchmark") { uuid success reason }
}"""


@dataclass(frozen=True)
class PhaseResult:
    """Figures of one phase; latencies in milliseconds."""

    phase: str
    results: int
    failures: int
    seconds: float
    results_per_s: float
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    #: Mean from publishing the command to its feedback arriving, as the backend
    #: measured it (``backend_result_latency_seconds``): Kafka + command handler.
    behind_backend_ms: float | None = None
    #: Mean of the whole transfer inside the backend (``backend_transfer_seconds``):
    #: the result-table look-up, publishing and waiting for the feedback.
    inside_backend_ms: float | None = None
    #: Means of ``backend_transfer_stage_seconds`` by stage (ms): publish (produce to
    #: broker ack), handler (publish to the answer's Kafka timestamp), kafka_back (that
    #: timestamp to our consumer thread), handoff (consumer thread to event loop).
    stages_ms: dict[str, float] = dataclasses.field(default_factory=dict)


def summarise(phase: str, latencies_s: list[float], failures: int, seconds: float) -> PhaseResult:
    """Percentiles (nearest rank) of ``latencies_s`` in milliseconds."""
    ordered = sorted(latencies_s) or [float("nan")]

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return PhaseResult(
        phase=phase,
        results=len(latencies_s),
        failures=failures,
        seconds=round(seconds, 2),
        results_per_s=round(len(latencies_s) / seconds, 1) if seconds else 0.0,
        mean_ms=round(statistics.fmean(ordered) * 1000, 2),
        p50_ms=round(statistics.median(ordered) * 1000, 2),
        p99_ms=round(rank(0.99), 2),
        max_ms=round(ordered[-1] * 1000, 2),
    )


async def one_transfer(
    ws: GraphQLWebSocket, iban: str, extensions: dict[str, str] | None = None
) -> tuple[float, bool]:
    """Latency in seconds of one deposit and whether it succeeded; `extensions` go with its
    operation (a `traceparent`)."""
    started = time.perf_counter()
    variables = {"uuid": str(uuid4()), "amount": 1, "to": iban}
    try:
        result = await ws.first(MONEY_TRANSFER, variables, extensions)
    except OperationFailedError:  # e.g. the per-connection subscription limit
        return time.perf_counter() - started, False
    elapsed = time.perf_counter() - started
    data = result.get("data") or {}
    answer = data.get("money_transfer") or {}
    return elapsed, bool(answer.get("success"))


async def open_account(ws: GraphQLWebSocket) -> str:
    """A fresh account's iban."""
    result = await ws.first(GET_ACCOUNT, {"u": f"bench-{uuid4()}", "p": "benchmark"})
    iban = (result.get("data") or {}).get("get_account", {}).get("iban")
    if not iban:
        raise SystemExit(f"could not open an account: {result}")
    return str(iban)


async def sequential(url: str, protocol: Protocol, count: int) -> PhaseResult:
    """Phase 1: one connection, one transfer at a time."""
    async with GraphQLWebSocket(url, protocol) as ws:
        iban = await open_account(ws)
        for _ in range(min(20, count)):  # warm-up: connections, caches, JIT-less but still
            await one_transfer(ws, iban)
        latencies, failures = [], 0
        started = time.perf_counter()
        for _ in range(count):
            elapsed, ok = await one_transfer(ws, iban)
            latencies.append(elapsed)
            failures += not ok
        return summarise("sequential", latencies, failures, time.perf_counter() - started)


async def concurrent(url: str, protocol: Protocol, clients: int, each: int) -> PhaseResult:
    """Phase 2: ``clients`` connections, each sending back to back."""
    latencies: list[float] = []
    failures = 0

    async def client(ws: GraphQLWebSocket, iban: str) -> None:
        nonlocal failures
        for _ in range(each):
            elapsed, ok = await one_transfer(ws, iban)
            latencies.append(elapsed)
            failures += not ok

    sockets = [GraphQLWebSocket(url, protocol) for _ in range(clients)]
    opened = [await ws.__aenter__() for ws in sockets]
    try:
        ibans = [await open_account(ws) for ws in opened]
        started = time.perf_counter()
        await asyncio.gather(*(client(ws, iban) for ws, iban in zip(opened, ibans, strict=True)))
        seconds = time.perf_counter() - started
    finally:
        for ws in opened:
            await ws.__aexit__(None, None, None)
    return summarise(f"concurrent x{clients}", latencies, failures, seconds)


@dataclass(frozen=True, slots=True)
class PacedTransfer:
    """One deposit of an open-loop run: its place in it, when it was due (s from the start),
    its latency in seconds and whether it succeeded."""

    index: int
    sent_s: float
    seconds: float
    ok: bool


async def paced_transfers(
    url: str,
    protocol: Protocol,
    rate: float,
    duration_s: float,
    clients: int,
    extensions_for: Callable[[int], dict[str, str] | None] = lambda _index: None,
    timeout_s: float | None = None,
) -> tuple[list[PacedTransfer], float]:
    """Open loop: deposit `index` is due at `index / rate` s, on connection `index %
    clients`, with the operation's `extensions_for(index)`; one not answered within
    `timeout_s` counts as failed at that time. The transfers in order, and the seconds
    until the last was answered."""
    transfers: list[PacedTransfer] = []
    sockets = [GraphQLWebSocket(url, protocol) for _ in range(clients)]
    opened = [await ws.__aenter__() for ws in sockets]
    tasks: list[asyncio.Task[None]] = []

    async def fire(index: int, ws: GraphQLWebSocket, iban: str) -> None:
        transfer = one_transfer(ws, iban, extensions_for(index))
        try:
            elapsed, ok = await asyncio.wait_for(transfer, timeout_s)
        except TimeoutError:
            elapsed, ok = timeout_s or 0.0, False
        transfers.append(PacedTransfer(index, index / rate, elapsed, ok))

    try:
        ibans = [await open_account(ws) for ws in opened]
        started = time.perf_counter()
        for index in range(int(rate * duration_s)):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            slot = index % clients
            tasks.append(asyncio.create_task(fire(index, opened[slot], ibans[slot])))
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
    finally:
        for ws in opened:
            await ws.__aexit__(None, None, None)
    return sorted(transfers, key=lambda t: t.index), seconds


async def paced(
    url: str, protocol: Protocol, rate: float, duration_s: float, clients: int
) -> PhaseResult:
    """Phase 3: open loop, one transfer every 1/rate s spread over ``clients`` connections."""
    transfers, seconds = await paced_transfers(url, protocol, rate, duration_s, clients)
    latencies = [t.seconds for t in transfers]
    failures = sum(not t.ok for t in transfers)
    return summarise(f"paced {rate:.0f}/s", latencies, failures, seconds)
