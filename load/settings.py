"""Typed settings of the two load services, read once at their entrypoints.

Ports default to the base numbers of docs/architecture.md plus ``OPEN_BANK_PORT_OFFSET``
(so a private stack can run beside the shared one); an explicit port variable wins.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "HEARTBEAT_BASE_PORT",
    "METRICS_BASE_PORT",
    "GeneratorSettings",
    "HeartbeatSettings",
    "PortOffset",
]

HEARTBEAT_BASE_PORT = 9103
METRICS_BASE_PORT = 9104


class PortOffset(BaseSettings):
    """``OPEN_BANK_PORT_OFFSET``: added to every port of a stack."""

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_", extra="ignore")

    port_offset: int = 0


class HeartbeatSettings(BaseSettings):
    """``OPEN_BANK_HEARTBEAT_*``: the control API's address and the load at start."""

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_HEARTBEAT_", extra="ignore")

    host: str = "127.0.0.1"
    port: int | None = None
    """Control API port; None means 9103 + OPEN_BANK_PORT_OFFSET."""
    batch_size: int = Field(default=1, ge=0)
    """Beats per batch at start. 1 every 1000 ms lets the generator open its first
    accounts at once while adding next to no load; the benchmark sets its own."""
    sleep_ms: int = Field(default=1000, ge=1)
    """Milliseconds between the starts of two batches."""

    def control_port(self) -> int:
        return (
            self.port if self.port is not None else HEARTBEAT_BASE_PORT + PortOffset().port_offset
        )


class GeneratorSettings(BaseSettings):
    """``OPEN_BANK_COMMAND_GENERATOR_*``: metrics address, random seed, group membership."""

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_COMMAND_GENERATOR_", extra="ignore")

    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    """Prometheus metrics port; None means 9104 + OPEN_BANK_PORT_OFFSET."""
    seed: int | None = None
    """Seed of the command mix; None draws one (runs differ, like the original's)."""
    instance: str | None = None
    """Names a static member of the generator's group (``command-generator-<instance>``,
    see `topology.clients.consumer_config`); None joins as a dynamic member."""

    def metrics_port_or_default(self) -> int:
        if self.metrics_port is not None:
            return self.metrics_port
        return METRICS_BASE_PORT + PortOffset().port_offset
