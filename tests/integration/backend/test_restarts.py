"""The API through restarts of what it depends on, on the real stack, while clients use it.

These tests restart parts of the stack they run against (PostgreSQL, Kafka) and pause its
command handler, then bring everything back: run them on a private stack
(`OPEN_BANK_RUN_DIR`, `OPEN_BANK_PORT_OFFSET`). Clients may see a pending transfer or a
typed error naming the missing dependency with a retry hint; never `Unexpected error.`,
an HTTP 5xx or a lost answer.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from uuid import uuid4

import httpx
import psutil
import pytest

from bench.graphql_ws import GraphQLWebSocket
from stack.layout import StackLayout
from tests.support.faults.private_stack import PrivateStack
from tests.support.restart_clients import ApiClients, Tally

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HISTORY = """query ($iban: String!) { transactions_by_iban(iban: $iban, max_items: 5) { id } }"""
MONEY_TRANSFER = """
subscription ($uuid: String!, $iban: String!) {
  money_transfer(uuid: $uuid, token: "cash", amount: 100, from: "cash", to: $iban,
                 descr: "pending test") { uuid success reason pending }
}"""
DEPOSIT = """mutation ($uuid: String!, $iban: String!) {
  deposit(uuid: $uuid, iban: $iban, amount: 100, descr: "pending test") {
    __typename ... on TransferPending { uuid } ... on TransferConfirmed { uuid } } }"""
CREATE = """mutation ($u: String!) { create_account(username: $u, password: "restart-pw") {
  ... on Account { iban } } }"""
_RESULT_TIMEOUT_S = 5.0  # the backend's RESULT_TIMEOUT_MS default


@pytest.fixture(scope="module")
def own_stack(stack_layout: StackLayout, stack_env: dict[str, str]) -> PrivateStack:
    """The stack the tests run against, driven by its own command line."""
    return PrivateStack(stack_layout.run_dir, stack_layout.ports.offset, stack_layout.cache_dir)


def health(address: str) -> dict[str, object]:
    body: dict[str, object] = httpx.get(f"http://{address}/healthz", timeout=10).json()
    return body


def wait_for(what: str, check: Callable[[], bool], timeout_s: float, every_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {timeout_s:.0f} s", pytrace=False)
        time.sleep(every_s)


def is_down(address: str, dependency: str) -> bool:
    answer = health(address)
    return answer["status"] == "degraded" and dependency in str(answer["down"])


def backend_connections(own_stack: PrivateStack) -> set[int]:
    """Pids of this stack's PostgreSQL server processes serving the database `backend`.

    Only children of this stack's own postmaster: other stacks on the machine are not ours.
    """
    postmaster = own_stack.pid("postgres")
    assert postmaster is not None, "this stack's PostgreSQL is not running"
    found = set()
    for child in psutil.Process(postmaster).children():
        try:
            if " ".join(child.cmdline()).startswith("postgres: backend backend "):
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def assert_clean(tally: Tally, allowed: set[str]) -> None:
    assert tally.bad(allowed) == {}, tally.failures
    assert tally.kinds["data"] > 0, tally.kinds
    assert tally.deposits, "no deposit was made"
    assert set(tally.deposits.values()) == {"TransferConfirmed"}, tally.deposits


@pytest.mark.timeout(300)
def test_postgres_resetting_every_connection_costs_clients_no_error(
    backend_address: str, own_stack: PrivateStack
) -> None:
    """SIGKILL of one server process: the postmaster ends every connection and recovers."""
    with ApiClients(f"http://{backend_address}") as clients:
        time.sleep(2)
        before = backend_connections(own_stack)
        assert before, "the backend holds no PostgreSQL connection"
        psutil.Process(min(before)).kill()
        wait_for(
            "every old connection gone", lambda: not (before & backend_connections(own_stack)), 30
        )
        time.sleep(4)
    tally = clients.stop()
    # A transfer may be pending while the handler reconnects too; nothing else but data.
    assert_clean(tally, allowed={"pending"})
    wait_for("healthy again", lambda: health(backend_address)["status"] == "ok", 30)


@pytest.mark.timeout(300)
def test_postgres_stopped_then_started_gives_typed_errors_then_answers(
    backend_address: str, own_stack: PrivateStack
) -> None:
    with ApiClients(f"http://{backend_address}") as clients:
        time.sleep(1)
        own_stack.kill("postgres", signal.SIGINT)  # PostgreSQL's fast shutdown
        try:
            wait_for(
                "/healthz degraded naming the database",
                lambda: is_down(backend_address, "database"),
                15,
                every_s=0.05,
            )
            answer = httpx.post(
                f"http://{backend_address}/graphql",
                json={"query": HISTORY, "variables": {"iban": "NL66OPEN0000000000"}},
                timeout=30,
            )
            assert answer.status_code == 200
            body = answer.json()
            if body.get("errors"):  # else PostgreSQL came back within the wait (supervised)
                extensions = body["errors"][0]["extensions"]
                assert extensions["code"] == "UNAVAILABLE", body
                assert extensions["dependency"] == "database"
                assert int(extensions["retry_after_ms"]) > 0
        finally:
            own_stack.up()
        wait_for("healthy again", lambda: health(backend_address)["status"] == "ok", 60)
        time.sleep(3)
    tally = clients.stop()
    assert_clean(tally, allowed={"pending", "UNAVAILABLE"})


@pytest.mark.timeout(900)  # a broker's stop and start take minutes on two busy cores
def test_kafka_stopped_then_started_leaves_nothing_unanswered(
    backend_address: str, own_stack: PrivateStack
) -> None:
    with ApiClients(f"http://{backend_address}") as clients:
        time.sleep(1)
        # Kept down until `up`: supervisord would start it again at once, and a broker back
        # before the result time-out may leave no command pending.
        own_stack.kill("kafka-1", signal.SIGTERM, timeout_s=120, stay_down=True)
        try:
            wait_for(
                "/healthz degraded naming Kafka", lambda: is_down(backend_address, "kafka"), 30
            )
            time.sleep(_RESULT_TIMEOUT_S + 2)  # a deposit is pending, a login times out
        finally:
            own_stack.up()
        wait_for("healthy again", lambda: health(backend_address)["status"] == "ok", 120)
        decided = clients.decided()
        wait_for("a deposit decided again", lambda: clients.decided() > decided, 300, 1.0)
    tally = clients.stop()
    # Reads answer from the database; a login needs the handler through Kafka, so it
    # gets RESULT_TIMEOUT; a command Kafka never took (message.timeout.ms, 30 s) gets
    # PUBLISH_FAILED: both typed, with a retry hint. Deposits end decided, each once.
    assert_clean(tally, allowed={"pending", "RESULT_TIMEOUT", "PUBLISH_FAILED"})
    assert all("retry_after_ms" in failure for failure in tally.failures), tally.failures
    assert tally.kinds["pending"] > 0, tally.kinds


def test_a_paused_handler_gives_pending_then_the_result_on_the_subscription(
    backend_address: str, own_stack: PrivateStack
) -> None:
    """SIGSTOP the command handler past the wait, then SIGCONT."""
    created = httpx.post(
        f"http://{backend_address}/graphql",
        json={"query": CREATE, "variables": {"u": f"pending-{uuid4().hex[:12]}"}},
        timeout=30,
    ).json()
    iban = created["data"]["create_account"]["iban"]
    followed, asked = str(uuid4()), str(uuid4())

    def deposit(uuid: str) -> dict[str, str]:
        body = httpx.post(
            f"http://{backend_address}/graphql",
            json={"query": DEPOSIT, "variables": {"uuid": uuid, "iban": iban}},
            timeout=30,
        ).json()
        assert "errors" not in body, body
        answer: dict[str, str] = body["data"]["deposit"]
        return answer

    async def scenario() -> tuple[list[dict[str, object]], float]:
        url = f"ws://{backend_address}/graphql"
        async with GraphQLWebSocket(url, "graphql-transport-ws") as ws:
            own_stack.pause("command-handler")  # before the command: no answer can win
            resumed = None
            try:
                async with ws.operation(MONEY_TRANSFER, {"uuid": followed, "iban": iban}) as got:
                    first = await asyncio.wait_for(anext(got), _RESULT_TIMEOUT_S + 10)
                    pending = await asyncio.to_thread(deposit, asked)
                    assert pending == {"__typename": "TransferPending", "uuid": asked}
                    own_stack.resume("command-handler")
                    resumed = time.monotonic()
                    second = await asyncio.wait_for(anext(got), 60)
                    return [first, second], time.monotonic() - resumed
            finally:
                if resumed is None:
                    own_stack.resume("command-handler")

    (first, second), after_resume_s = asyncio.run(scenario())
    assert first == {
        "data": {
            "money_transfer": {"uuid": followed, "success": None, "reason": None, "pending": True}
        }
    }
    assert second == {
        "data": {
            "money_transfer": {"uuid": followed, "success": True, "reason": None, "pending": False}
        }
    }
    assert after_resume_s < 30, f"decided {after_resume_s:.1f} s after the handler resumed"
    # Asking again with the same command id gives the decided answer, booked once.
    assert deposit(asked) == {"__typename": "TransferConfirmed", "uuid": asked}
    assert deposit(followed) == {"__typename": "TransferConfirmed", "uuid": followed}
    wait_for("both deposits projected", lambda: len(history(backend_address, iban)) == 2, 30)
    time.sleep(1)
    assert [t["id"] for t in history(backend_address, iban)] != []
    assert len(history(backend_address, iban)) == 2


def history(address: str, iban: str) -> list[dict[str, int]]:
    body = httpx.post(
        f"http://{address}/graphql",
        json={"query": HISTORY, "variables": {"iban": iban}},
        timeout=30,
    ).json()
    rows: list[dict[str, int]] = body["data"]["transactions_by_iban"]
    return rows
