"""The settings of one benchmark run (from the command line), with the full and short modes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = ["RunOptions"]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What a run does; times in ms or s as named, load in messages/s."""

    base_url: str = "http://127.0.0.1:8080/"
    heartbeat_url: str = "http://127.0.0.1:9103"
    run_dir: Path = Path(".run")
    out_dir: Path = Path(".run/bench")
    interval_ms: int = 1000
    """Time between the starts of two interactions (once per second, like the original)."""
    timeout_ms: int = 5000
    max_timeouts: int = 5
    step_every: int = 60
    """Interactions per load step."""
    step_load: int = 10
    """Load added per step, messages/s."""
    sample_every: int = 20
    """Interactions between two resource samples."""
    max_load: int | None = None
    """Stop after the step at this load; None: until the time-outs or max_minutes."""
    max_minutes: float | None = None
    profile_from: int | None = None
    """From this load (msg/s) on, profile the handler and the backend with py-spy for
    ``profile_seconds`` in the middle of each step; None: no profiles."""
    profile_seconds: int = 20
    untraced_every: int | None = None
    """Every this many interactions, one leaves with its trace context marked not sampled, so
    no service spends anything on tracing it: tracing's own cost per click, within one run
    (`bench compare --within`). None: every click traced, as the page does."""
    username: str = "benchmark-user"
    password: str = "benchmark-password"  # noqa: S105 -- a throwaway account on a local stack
    chromium: str = "/usr/bin/chromium"

    @classmethod
    def short(cls, **overrides: Any) -> RunOptions:
        """About two minutes: 4 steps of 25 interactions, +100 msg/s each, sampled every 10."""
        short = cls(step_every=25, step_load=100, sample_every=10, max_load=300, max_minutes=4.0)
        return replace(short, **overrides)
