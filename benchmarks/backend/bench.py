"""Request-to-result latency of the GraphQL API over WebSocket, on the running stack.

What it measures: from sending a ``money_transfer`` subscription (a deposit from
cash, so it never fails for lack of funds) until its MoneyTransferResult arrives:
backend → Kafka → command handler → Kafka → backend → client.

Phases (each prints p50/p99/max in ms and results per second):
1. sequential: N transfers one after another on one connection (idle latency);
2. concurrent: C connections, each sending M transfers back to back (throughput);
3. paced: an open-loop rate R results/s for D seconds over C connections (p99 at load).

Run: ``.venv/bin/python benchmarks/backend/bench.py --url ws://127.0.0.1:8000/graphql``

``--in-memory`` instead starts the same GraphQL routes over the in-memory fakes in a
child process (no Kafka, no handler, no database): the API's own floor.
"""

import argparse
import asyncio
import dataclasses
import json
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from uuid import uuid4

import httpx

from backend.wsclient import GraphQLWebSocket, OperationFailedError, Protocol

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


async def one_transfer(ws: GraphQLWebSocket, iban: str) -> tuple[float, bool]:
    """Latency in seconds of one deposit and whether it succeeded."""
    started = time.perf_counter()
    try:
        result = await ws.first(MONEY_TRANSFER, {"uuid": str(uuid4()), "amount": 1, "to": iban})
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


async def paced(
    url: str, protocol: Protocol, rate: float, duration_s: float, clients: int
) -> PhaseResult:
    """Phase 3: open loop, one transfer every 1/rate s spread over ``clients`` connections."""
    latencies: list[float] = []
    failures = 0
    sockets = [GraphQLWebSocket(url, protocol) for _ in range(clients)]
    opened = [await ws.__aenter__() for ws in sockets]
    tasks: list[asyncio.Task[None]] = []

    async def fire(ws: GraphQLWebSocket, iban: str) -> None:
        nonlocal failures
        elapsed, ok = await one_transfer(ws, iban)
        latencies.append(elapsed)
        failures += not ok

    try:
        ibans = [await open_account(ws) for ws in opened]
        total = int(rate * duration_s)
        started = time.perf_counter()
        for index in range(total):
            due = started + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            slot = index % clients
            tasks.append(asyncio.create_task(fire(opened[slot], ibans[slot])))
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
    finally:
        for ws in opened:
            await ws.__aexit__(None, None, None)
    return summarise(f"paced {rate:.0f}/s", latencies, failures, seconds)


#: Histograms whose means the breakdown shows: (metric, label value or None) -> column.
_BREAKDOWN = {
    ("backend_transfer_seconds", None): "inside",
    ("backend_result_latency_seconds", "transfer"): "behind",
    ("backend_transfer_stage_seconds", "publish"): "publish",
    ("backend_transfer_stage_seconds", "handler"): "handler",
    ("backend_transfer_stage_seconds", "kafka_back"): "kafka_back",
    ("backend_transfer_stage_seconds", "handoff"): "handoff",
}
_SAMPLE = re.compile(r'^(\w+)_(sum|count)(?:\{\w+="([^"]*)"\})? (\S+)$', re.M)


def histogram_totals(metrics_url: str) -> dict[tuple[str, str], float]:
    """(column, "sum" or "count") -> value, for the histograms of ``_BREAKDOWN``."""
    response = httpx.get(metrics_url, timeout=10)
    if response.status_code != 200:  # the in-memory server has no metrics
        return {}
    totals: dict[tuple[str, str], float] = {}
    for name, kind, label, value in _SAMPLE.findall(response.text):
        column = _BREAKDOWN.get((name, label or None))
        if column is not None:
            totals[column, kind] = float(value)
    return totals


async def measured(metrics_url: str, phase: Callable[[], Awaitable[PhaseResult]]) -> PhaseResult:
    """Run ``phase`` and add the backend's own view of where the time went (mean ms)."""
    before = histogram_totals(metrics_url)
    result = await phase()
    after = histogram_totals(metrics_url)

    def mean_ms(column: str) -> float | None:
        count = after.get((column, "count"), 0) - before.get((column, "count"), 0)
        total = after.get((column, "sum"), 0) - before.get((column, "sum"), 0)
        return round(total / count * 1000, 2) if count else None

    means = {column: mean_ms(column) for column in _BREAKDOWN.values()}
    return dataclasses.replace(
        result,
        inside_backend_ms=means.pop("inside"),
        behind_backend_ms=means.pop("behind"),
        stages_ms={column: value for column, value in means.items() if value is not None},
    )


def serve_in_memory(port: int) -> None:
    """Child process: the GraphQL routes over the in-memory fakes, on ``port``."""
    import uvicorn
    from starlette.applications import Starlette

    from backend.api.asgi import graphql_routes
    from backend.memory import in_memory_bank

    bank = in_memory_bank()
    app = Starlette(routes=graphql_routes(bank.schema, max_subscriptions=1000))
    app.state.context = bank.context
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def start_in_memory_server() -> tuple[subprocess.Popen[bytes], str]:
    """Start ``serve_in_memory`` in a child process; its WebSocket URL once it listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen([sys.executable, __file__, "--serve-in-memory", str(port)])
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return child, f"ws://127.0.0.1:{port}/graphql"
        except OSError:
            time.sleep(0.1)
    child.kill()
    raise SystemExit("the in-memory server did not start")


def main() -> None:
    """Parse arguments, run the phases, print a table (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:8000/graphql")
    parser.add_argument(
        "--protocol", choices=["graphql-transport-ws", "graphql-ws"], default="graphql-transport-ws"
    )
    parser.add_argument("-n", "--sequential", type=int, default=300)
    parser.add_argument("-c", "--clients", type=int, default=50)
    parser.add_argument("-m", "--each", type=int, default=40)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--in-memory", action="store_true", help="measure the API alone")
    parser.add_argument("--serve-in-memory", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_in_memory:
        serve_in_memory(arguments.serve_in_memory)
        return
    child = None
    if arguments.in_memory:
        child, arguments.url = start_in_memory_server()
    try:
        asyncio.run(run_phases(arguments))
    finally:
        if child is not None:
            child.terminate()
            child.wait(10)


async def run_phases(arguments: argparse.Namespace) -> None:
    """Run the three phases against ``arguments.url`` and print them."""
    metrics_url = arguments.url.replace("ws://", "http://").replace("/graphql", "/metrics")
    protocol: Protocol = arguments.protocol
    phases: list[Callable[[], Awaitable[PhaseResult]]] = [
        lambda: sequential(arguments.url, protocol, arguments.sequential),
        lambda: concurrent(arguments.url, protocol, arguments.clients, arguments.each),
        lambda: paced(
            arguments.url, protocol, arguments.rate, arguments.duration, arguments.clients
        ),
    ]
    if arguments.json:
        results = [await measured(metrics_url, phase) for phase in phases]
        print(json.dumps([asdict(result) for result in results], indent=2))
        return
    print(
        f"{'phase':<16}{'results':>8}{'failed':>7}{'s':>7}{'res/s':>9}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}{'mean ms':>9}{'inside':>9}{'behind':>9}",
        flush=True,
    )
    breakdown: list[PhaseResult] = []
    for phase in phases:
        r = await measured(metrics_url, phase)
        breakdown.append(r)
        print(
            f"{r.phase:<16}{r.results:>8}{r.failures:>7}{r.seconds:>7}{r.results_per_s:>9}"
            f"{r.p50_ms:>9}{r.p99_ms:>9}{r.max_ms:>9}{r.mean_ms:>9}"
            f"{r.inside_backend_ms!s:>9}{r.behind_backend_ms!s:>9}",
            flush=True,
        )
    print("inside = mean ms of a transfer inside the backend (look-up, publish, wait)")
    print("behind = mean ms from publishing the command to its feedback (Kafka + handler)")
    print_breakdown(breakdown)


def print_breakdown(results: list[PhaseResult]) -> None:
    """Where the mean went, ms: client side, then inside the backend, stage by stage."""
    if not any(r.stages_ms for r in results):
        return
    columns = ["client", "outside", "inside", "handler", "kafka_back", "handoff", "rest"]
    print("\nmean ms by stage" + "".join(f"{c:>11}" for c in columns) + f"{'publish':>11}")
    for r in results:
        stages = r.stages_ms
        inside = r.inside_backend_ms or 0.0
        known = sum(stages.get(stage, 0.0) for stage in ("handler", "kafka_back", "handoff"))
        row = {
            "client": r.mean_ms,
            "outside": r.mean_ms - inside,
            "inside": inside,
            **stages,
            "rest": inside - known,
        }
        cells = "".join(f"{row.get(c, float('nan')):>11.2f}" for c in [*columns, "publish"])
        print(f"{r.phase:<16}{cells}")
    print(
        "outside = client - inside: the client, WebSocket and strawberry; handler = publish "
        "to the answer's Kafka timestamp;\nkafka_back = to our consumer thread (handler's "
        "commit + fetch); handoff = thread to event loop; rest = inside - those three "
        "(look-up, wake-ups);\npublish = produce to broker ack (overlaps handler)"
    )


if __name__ == "__main__":
    main()
