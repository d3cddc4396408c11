"""The backend's own settings: ``OPEN_BANK_BACKEND_*`` (plus the shared port offset).

Kafka, registry and database settings come from ``topology.settings``; this
class holds what only the GraphQL API needs. Durations are milliseconds.
"""

import os
import socket

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["BackendSettings"]

_DEFAULT_PORT = 8000


def _instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class BackendSettings(BaseSettings):
    """Bounds, time-outs and names of the GraphQL backend."""

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_BACKEND_", extra="ignore")

    host: str = "127.0.0.1"
    #: The listening port as the stack computed it (offset included); if unset,
    #: 8000 + ``OPEN_BANK_PORT_OFFSET``.
    port: int | None = None
    port_offset: int = Field(default=0, validation_alias=AliasChoices("OPEN_BANK_PORT_OFFSET"))
    #: Names this instance's live consumer (each instance must see every event).
    instance_id: str = Field(default_factory=_instance_id)
    #: How long a request waits for the command handler's feedback (ms).
    result_timeout_ms: int = Field(default=5_000, gt=0)
    #: A transfer not answered within this long is also looked up in the results table
    #: (ms): a repeated id then gets its answer even while the handler is slow or down.
    result_lookup_after_ms: int = Field(default=1_000, ge=0)
    #: At most this many requests wait for feedback at once (per kind).
    max_pending: int = Field(default=10_000, gt=0)
    #: Undelivered transactions a subscriber may lag behind before it is dropped.
    subscriber_queue_size: int = Field(default=1_000, gt=0)
    max_subscriptions_per_connection: int = Field(default=20, gt=0)
    #: Largest amount of one transfer or deposit (euro cents).
    max_amount_cents: int = Field(default=10_000_000_000, gt=0)
    max_page_size: int = Field(default=1_000, gt=0)
    #: Stable consumer group of the table writer: offsets survive restarts.
    projector_group_id: str = "backend-projector"
    projector_batch_size: int = Field(default=500, gt=0)
    #: How long the projector waits to fill a batch (ms); bounds the table's lag.
    projector_batch_wait_ms: int = Field(default=20, gt=0)
    #: Login attempts (get_account, login, create_account) allowed per minute.
    login_attempts_per_username: int = Field(default=20, gt=0)
    login_attempts_per_client: int = Field(default=300, gt=0)
    #: Largest HTTP request body accepted (bytes).
    max_body_bytes: int = Field(default=65_536, gt=0)
    #: The UI's origin, allowed by CORS (the stack sets ``OPEN_BANK_WEB_URL``).
    web_url: str | None = Field(default=None, validation_alias=AliasChoices("OPEN_BANK_WEB_URL"))
    migrate_on_start: bool = True
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("OPEN_BANK_LOG_LEVEL"))

    @property
    def listen_port(self) -> int:
        """The TCP port uvicorn binds."""
        return self.port if self.port is not None else _DEFAULT_PORT + self.port_offset
