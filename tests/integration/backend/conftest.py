"""A real backend process (``python -m backend``) on the running stack, for the tests.

It uses the stack's Kafka, registry, command handler and the backend's database,
with the environment the stack itself would give it, on a free port. It is a
second backend instance beside the stack's own one: what it must answer does
not depend on which instance sent a command.
"""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from bench.graphql_ws import GraphQLWebSocket

_START_TIMEOUT_S = 60.0
HANDLER_SILENT = (
    "the command handler does not answer (no feedback within the backend's time-out): "
    "check `./bank status` and .run/logs/command-handler.log"
)
GET_ACCOUNT = """
subscription ($u: String!, $p: String!) {
  get_account(username: $u, password: $p) { iban token reason }
}"""


_STATIC_PROJECTOR = "OPEN_BANK_BACKEND_PROJECTOR_INSTANCE"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def backend_address(
    service_env: Callable[[str], dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``host:port`` of a freshly started backend; fails in one line if it cannot start."""
    yield from _backend_process(service_env("backend"), tmp_path_factory)


@pytest.fixture(scope="module")
def second_backend_address(
    service_env: Callable[[str], dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
    backend_address: str,
) -> Iterator[str]:
    """Another backend instance on the same stack and database."""
    yield from _backend_process(service_env("backend"), tmp_path_factory)


def _backend_process(
    service_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = _free_port()
    log_path: Path = tmp_path_factory.mktemp("backend") / "backend.log"
    # Each test backend is a dynamic member of the projector's group beside the stack's
    # own: two with one static id would fence each other.
    env = {
        **{k: v for k, v in {**os.environ, **service_env}.items() if k != _STATIC_PROJECTOR},
        "OPEN_BANK_BACKEND_PORT": str(port),
        "OPEN_BANK_BACKEND_INSTANCE_ID": f"it-{port}",
        # test_http deposits 2.5 billion cents to show Long beyond 32 bits end to end; the
        # deposit limits have tests of their own (tests/integration/security).
        "OPEN_BANK_BACKEND_MAX_DEPOSIT_CENTS": str(10**10),
        "OPEN_BANK_BACKEND_DEPOSIT_CENTS_PER_CLIENT_PER_HOUR": str(10**12),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    address = f"127.0.0.1:{port}"
    try:
        _wait_healthy(process, address, log_path)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_healthy(process: subprocess.Popen[bytes], address: str, log_path: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            pytest.fail(f"backend exited with {process.returncode}:\n{tail}", pytrace=False)
        try:
            if httpx.get(f"http://{address}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"backend not healthy within {_START_TIMEOUT_S:.0f} s", pytrace=False)


@pytest.fixture(scope="session")
def handler_answers(backend_address: str) -> None:
    """Fail clearly (not skip) when the command handler does not answer."""

    async def probe() -> dict[str, object]:
        async with GraphQLWebSocket(f"ws://{backend_address}/graphql", "graphql-ws") as ws:
            return await ws.first(GET_ACCOUNT, {"u": f"probe-{uuid4()}", "p": "pw"})

    result = asyncio.run(probe())
    errors = result.get("errors")
    if errors:
        pytest.fail(f"{HANDLER_SILENT}: {errors}", pytrace=False)


@pytest.fixture
def graphql_ws_url(backend_address: str, handler_answers: None) -> str:
    """The WebSocket URL, once the handler is known to answer."""
    return f"ws://{backend_address}/graphql"
