"""The dashboard's sampler on the real stack: one sample a second, every figure from its
real source (the handler's metrics, the Admin API with the backend's own principal, the
stack's pids)."""

import asyncio
import itertools
from typing import Any

import pytest

from bench.graphql_ws import GraphQLWebSocket
from stack.layout import StackLayout
from stack.supervision import component_pids
from stack.supervisor_config import EVENT_LISTENER

pytestmark = pytest.mark.integration

DASHBOARD = """subscription {
  dashboard {
    at commands_total answers_total
    latency { name le counts }
    lag { group messages }
    components { name cpu_seconds rss_bytes }
  }
}"""
GROUPS = {"command-handler", "backend-projector", "command-generator"}


async def _samples(address: str, count: int) -> list[dict[str, Any]]:
    async with (
        GraphQLWebSocket(f"ws://{address}/graphql", "graphql-transport-ws") as ws,
        ws.operation(DASHBOARD) as results,
    ):
        found: list[dict[str, Any]] = []
        async for result in results:
            assert result.get("errors") is None, result
            found.append(result["data"]["dashboard"])
            if len(found) == count:
                return found
    raise AssertionError("the dashboard stream ended")


def _running_components(layout: StackLayout) -> set[str]:
    # supervisord's event listener is a process of the stack too, and shows with the rest.
    return {*component_pids(layout), EVENT_LISTENER}


def test_samples_come_once_a_second_with_every_figure(
    backend_address: str, stack_layout: StackLayout
) -> None:
    # The heartbeat beats at least once a second even at rest, so commands keep coming.
    samples = asyncio.run(asyncio.wait_for(_samples(backend_address, 5), timeout=30))

    # Once a second; a tick late on a busy machine skips ahead rather than bunching up.
    gaps = sorted(b["at"] - a["at"] for a, b in itertools.pairwise(samples))
    assert 0.9 < gaps[len(gaps) // 2] < 1.2, gaps
    assert all(0.5 < gap < 3.0 for gap in gaps), gaps
    first, last = samples[0], samples[-1]
    assert last["commands_total"] > first["commands_total"]
    assert last["answers_total"] >= first["answers_total"] > 0

    # Lag of every group, read with the backend's own principal (a refused ACL is null).
    for sample in samples:
        lags = {lag["group"]: lag["messages"] for lag in sample["lag"]}
        assert set(lags) == GROUPS
        assert all(isinstance(messages, float) and messages >= 0 for messages in lags.values()), (
            lags
        )

    latency = {h["name"]: h for h in last["latency"]}
    assert set(latency) == {"command", "api"}
    handler = latency["command"]
    assert len(handler["counts"]) == len(handler["le"]) + 1
    assert handler["counts"] == sorted(handler["counts"])  # cumulative
    assert handler["counts"][-1] > 0

    # Every component the stack runs, Kafka, PostgreSQL, nginx and the registry included.
    components = {c["name"]: c for c in last["components"]}
    expected = _running_components(stack_layout)
    assert {"postgres", "nginx", "registry", "backend", "command-handler"} <= expected
    assert set(components) == expected
    assert all(c["rss_bytes"] > 1024 * 1024 for c in components.values()), components
    before = {c["name"]: c["cpu_seconds"] for c in first["components"]}
    for name, component in components.items():
        assert component["cpu_seconds"] >= before.get(name, 0.0), name
