"""Private topics keep everything of the bank's topic but the name, which gets the prefix."""

from __future__ import annotations

import dataclasses

from bench.private_topics import prefixed
from topology.topics import COMMANDS, HEARTBEAT


def test_only_the_name_changes() -> None:
    commands, heartbeat = prefixed([COMMANDS, HEARTBEAT], "t0123-")
    assert commands.name == "t0123-commands"
    assert dataclasses.replace(commands, name=COMMANDS.name) == COMMANDS
    assert heartbeat.subjects == tuple(f"t0123-{s}" for s in HEARTBEAT.subjects)
