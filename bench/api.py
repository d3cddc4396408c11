"""`python -m bench api`: request-to-result latency of the GraphQL API, on the running stack.

What it measures: from sending a ``money_transfer`` subscription (a deposit from
cash, so it never fails for lack of funds) until its MoneyTransferResult arrives:
backend → Kafka → command handler → Kafka → backend → client.

Phases (each prints results, failures, seconds, results/s, p50/p99/max/mean in ms, and the
backend's own mean inside it and behind it, then the mean by stage):
1. sequential: N transfers one after another on one connection (idle latency);
2. concurrent: C connections, each sending M transfers back to back (throughput);
3. paced: an open-loop rate R results/s for D seconds over C connections (p99 at load).

``--in-memory`` instead starts the same GraphQL routes over the in-memory fakes in a
child process (no Kafka, no handler, no database): the API's own floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict

from bench.api_breakdown import measured, print_breakdown
from bench.api_phases import PhaseResult, concurrent, paced, sequential
from bench.graphql_ws import Protocol
from stack.layout import REPO_DIR

__all__ = ["HELP", "configure", "run"]

HELP = "latency of money transfers through the GraphQL API: sequential, concurrent, paced"


def serve_in_memory(port: int) -> None:
    """Child process: the GraphQL routes over the in-memory fakes, on ``port``."""
    import uvicorn
    from starlette.applications import Starlette

    from backend.api.asgi import graphql_routes

    # The API against the tests' in-memory bank: what the API alone costs. Only this mode
    # needs a repository checkout's test support.
    from tests.support.backend_memory import in_memory_bank

    bank = in_memory_bank()
    app = Starlette(routes=graphql_routes(bank.schema, max_subscriptions=1000))
    app.state.context = bank.context
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def start_in_memory_server() -> tuple[subprocess.Popen[bytes], str]:
    """Start ``serve_in_memory`` in a child process; its WebSocket URL once it listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, "-m", "bench", "api", "--serve-in-memory", str(port)], cwd=REPO_DIR
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return child, f"ws://127.0.0.1:{port}/graphql"
        except OSError:
            time.sleep(0.1)
    child.kill()
    raise SystemExit("the in-memory server did not start")


def configure(parser: argparse.ArgumentParser) -> None:
    """The API benchmark's options."""
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


def run(arguments: argparse.Namespace) -> int:
    """Run the phases, print a table (and JSON with --json)."""
    if arguments.serve_in_memory:
        serve_in_memory(arguments.serve_in_memory)
        return 0
    child = None
    if arguments.in_memory:
        child, arguments.url = start_in_memory_server()
    try:
        asyncio.run(run_phases(arguments))
    finally:
        if child is not None:
            child.terminate()
            child.wait(10)
    return 0


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
