"""What the long-running handler process needs to start, as plain data: read and checked by
the short-lived start-up process (`command_handler.startup`) and handed over as JSON.

Why: pydantic-settings (with pydantic) and alembic are only needed once, at start, yet
importing them costs the process ~23 MiB and ~10 MiB of resident memory for as long as it
runs. The start-up child reads the typed settings, builds the librdkafka and registry
client configurations from topology's functions and migrates the database; this process
imports none of that and keeps only the resulting values.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["StartupPlan"]


@dataclass(frozen=True, slots=True)
class StartupPlan:
    """One handler instance's settings and client configurations (see `settings` for the
    meaning of each knob; times in ms)."""

    instance: str
    client_id: str
    topic_prefix: str
    batch_size: int
    poll_timeout_ms: int
    max_linger_ms: int
    metrics_port: int
    log_level: str
    consumer_config: dict[str, Any]
    producer_config: dict[str, Any]
    registry_config: dict[str, Any]
    # Secret (holds the role's password): kept out of repr, so it never reaches a log line.
    database_url: str = field(repr=False)

    def to_json(self) -> str:
        """One line of JSON (the start-up child writes it to its stdout)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> StartupPlan:
        """The plan `to_json` wrote; ValueError when `text` is not one."""
        try:
            return cls(**json.loads(text))
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a start-up plan: {exc}") from exc
