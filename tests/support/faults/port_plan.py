"""The port offsets of the fault suite's and the soak's private stacks, and their ports.

A private stack listens on every base port of docs/architecture.md plus its offset. The
suite's stacks must never share a port with the stack CI runs at offset 0 (nor with each
other or with a soak running beside them), on a fresh machine as on this one;
`stack_ports` lets a unit test prove it for the defaults below.
"""

from __future__ import annotations

from stack.ports import Ports

__all__ = ["ONE_BROKER_OFFSET", "SOAK_OFFSET", "THREE_BROKER_OFFSET", "stack_ports"]

#: The fault suite's one-broker stack (`FAULTS_PORT_OFFSET` overrides it).
ONE_BROKER_OFFSET = 2000
#: The fault suite's three-broker stack (`FAULTS_3_PORT_OFFSET` overrides it).
THREE_BROKER_OFFSET = 3000
#: `python -m tests.support.faults.soak` (`--port-offset` overrides it).
SOAK_OFFSET = 2500


def stack_ports(offset: int, brokers: int = 3) -> frozenset[int]:
    """Every port a stack of `brokers` Kafka nodes at `offset` listens on."""
    return Ports(offset).all(brokers)
