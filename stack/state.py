"""What the stack remembers between commands: the number of Kafka brokers it runs.

`up --brokers 3` writes it; a later `up` (after a reboot, say), `status`, `down` and the
service environments read it, so they all agree on the cluster without being told again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from stack.layout import StackLayout

__all__ = ["StackState", "read_state", "write_state"]


@dataclass(frozen=True)
class StackState:
    """The remembered shape of the stack."""

    brokers: int = 1


def read_state(layout: StackLayout) -> StackState:
    try:
        raw = json.loads(layout.state_file.read_text())
        return StackState(brokers=int(raw["brokers"]))
    except (OSError, ValueError, KeyError, TypeError):
        return StackState()


def write_state(layout: StackLayout, state: StackState) -> None:
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    layout.state_file.write_text(json.dumps({"brokers": state.brokers}) + "\n")
