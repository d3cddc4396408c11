"""What the stack starts: a `Component` is one process, as data plus small callables;
`stack.lifecycle` walks them. Components in one `StartGroup` are started together and then
awaited together: the three nodes of a KRaft cluster only become healthy once a majority of
controllers runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

__all__ = ["Component", "StartGroup"]


@dataclass
class Component:
    """One process of the stack."""

    name: str
    ports: tuple[int, ...]
    # Install/format/render what it needs; returns the command line to start it with.
    prepare: Callable[[TextIO], list[str]]
    healthy: Callable[[], bool]
    ready_timeout_s: float
    cwd: Path
    extra_env: Callable[[], dict[str, str]] = dict
    user: str | None = None
    # Runs after every `up` once healthy (idempotent), e.g. creating roles and databases.
    after_ready: Callable[[], None] | None = None
    # A one-shot program runs to completion (exit 0) instead of staying up.
    one_shot: bool = False
    fix_hint: str = "read the log"
    # Services started before a one-shot need it to have run; see lifecycle.
    is_service: bool = False
    # For a component that already runs: bring it up to date (pid of its leader); True if
    # that changed something (nginx: a rebuilt UI or a new configuration, then a reload).
    refresh: Callable[[int, TextIO], bool] | None = None
    # The signal supervisord stops it with (PostgreSQL: INT, its fast shutdown).
    stop_signal: str = "TERM"


@dataclass
class StartGroup:
    """Components started together, then awaited together."""

    components: list[Component] = field(default_factory=list)
