"""The fault suite's and the soak's private stacks never share a port with the CI stack."""

from __future__ import annotations

from itertools import combinations

import pytest

from stack.layout import MAX_PORT_OFFSET
from tests.support.faults.port_plan import (
    ONE_BROKER_OFFSET,
    SOAK_OFFSET,
    THREE_BROKER_OFFSET,
    stack_ports,
)

_CI_OFFSET = 0
_OFFSETS = (_CI_OFFSET, ONE_BROKER_OFFSET, THREE_BROKER_OFFSET, SOAK_OFFSET)


@pytest.mark.parametrize(("first", "second"), list(combinations(_OFFSETS, 2)))
def test_the_stacks_share_no_port(first: int, second: int) -> None:
    assert stack_ports(first).isdisjoint(stack_ports(second))


def test_every_port_stays_below_linux_client_ports() -> None:
    assert all(offset <= MAX_PORT_OFFSET for offset in _OFFSETS)
    assert max(max(stack_ports(offset)) for offset in _OFFSETS) < 32768


def test_a_stack_has_one_port_per_listener() -> None:
    # postgres, registry (+ management), nginx, backend, 3 service ports, zipkin, 2 per
    # Kafka node.
    assert len(stack_ports(0, brokers=1)) == 11
    assert len(stack_ports(0, brokers=3)) == 15
