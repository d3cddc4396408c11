"""The synchronizer's own settings: `OPEN_BANK_SYNCHRONIZER_*` (Kafka and registry
settings come from `topology.settings`)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SynchronizerSettings"]


class SynchronizerSettings(BaseSettings):
    """How hard to try before declaring Kafka or the registry unreachable.

    Defaults bound a hopeless run to about 45 s: 6 attempts of at most 5 s each, with
    waits of 0.5, 1, 2, 4 and 5 s between them.
    """

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_SYNCHRONIZER_", extra="ignore")

    client_id: str = "synchronizer"
    attempts: int = 6
    first_backoff_s: float = 0.5
    timeout_s: float = 5.0
    """Timeout of one Kafka admin request or registry HTTP request, in seconds."""
