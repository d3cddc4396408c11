"""The backend's own settings: ``OPEN_BANK_BACKEND_*`` (plus the shared port offset).

Kafka, registry and database settings come from ``topology.settings``; this
class holds what only the GraphQL API needs. Durations are milliseconds.
"""

import os
import socket
from pathlib import Path
from typing import Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["BackendSettings"]

_DEFAULT_PORT = 8000
_HANDLER_METRICS_PORT = 9102


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
    #: After a pending answer, how long the money_transfer subscription waits on for the
    #: decided one (ms); then it ends with RESULT_TIMEOUT (ask again with the same uuid).
    pending_follow_ms: int = Field(default=600_000, gt=0)
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
    #: Largest deposit (a transfer from ``cash``), above the UI's largest button (cents).
    max_deposit_cents: int = Field(default=1_000_000, gt=0)
    #: Cash one client address may deposit per hour (cents), refilled continuously.
    deposit_cents_per_client_per_hour: int = Field(default=10_000_000, gt=0)
    max_page_size: int = Field(default=1_000, gt=0)
    #: Stable consumer group of the table writer: offsets survive restarts.
    projector_group_id: str = "backend-projector"
    #: Join that group as the static member ``<group id>-<instance>`` (the stack
    #: sets 0). A restarted Kafka still lists a killed backend's dynamic member, and a
    #: new member's join then waits the rebalance time-out (five minutes) for it; a
    #: static member replaces its own at once. Unset: a dynamic member. Give each backend
    #: that runs at the same time its own.
    projector_instance: str | None = None
    projector_batch_size: int = Field(default=500, gt=0)
    #: How long the projector waits to fill a batch (ms); bounds the table's lag.
    projector_batch_wait_ms: int = Field(default=20, gt=0)
    #: Raw records of the history topics the Events page's reader keeps (its recent past
    #: and command lookups), and how many per partition it reads before the end at start.
    event_log_ring_size: int = Field(default=50_000, gt=0)
    event_log_start_back: int = Field(default=200, ge=0)
    #: Login attempts (get_account, login, create_account) per client address per minute,
    #: and on the whole server per second (each costs an argon2 hash).
    login_attempts_per_client: int = Field(default=300, gt=0)
    login_attempts_per_second: int = Field(default=10, gt=0)
    #: Wrong passwords from one address (within 10 minutes) before it backs off:
    #: 1 s after the next, doubling up to a minute.
    login_failures_before_backoff: int = Field(default=10, ge=0)
    #: A file holding the secret nginx sends in ``X-Open-Bank-Proxy``: only requests
    #: carrying it have their ``X-Real-IP`` believed. Unset: the peer's address counts.
    proxy_secret_file: Path | None = None
    #: Largest HTTP request body accepted (bytes).
    max_body_bytes: int = Field(default=65_536, gt=0)
    #: The UI's origin, allowed by CORS (the stack sets ``OPEN_BANK_WEB_URL``).
    web_url: str | None = Field(default=None, validation_alias=AliasChoices("OPEN_BANK_WEB_URL"))
    migrate_on_start: bool = True
    #: The unix socket of the stack's supervisord, which names each component's pid: the
    #: dashboard's CPU and RSS per component. Unset: the dashboard shows no components.
    supervisor_socket: Path | None = None
    #: The command handler's metrics port as the stack set it; if unset, 9102 + offset.
    command_handler_metrics_port: int | None = Field(
        default=None, validation_alias=AliasChoices("OPEN_BANK_COMMAND_HANDLER_METRICS_PORT")
    )
    #: The consumer groups whose lag the dashboard shows.
    dashboard_groups: tuple[str, ...] = (
        "command-handler",
        "backend-projector",
        "command-generator",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("OPEN_BANK_LOG_LEVEL"))

    @model_validator(mode="after")
    def _largest_deposit_fits_the_budget(self) -> Self:
        if self.deposit_cents_per_client_per_hour < self.max_deposit_cents:
            raise ValueError("deposit_cents_per_client_per_hour must be at least max_deposit_cents")
        return self

    def proxy_secret(self) -> str | None:
        """The secret of ``proxy_secret_file`` (None when unset); read at start."""
        if self.proxy_secret_file is None:
            return None
        try:
            secret = self.proxy_secret_file.read_text().strip()
        except FileNotFoundError:
            secret = ""
        if not secret:
            raise ValueError(
                f"no proxy secret in {self.proxy_secret_file}: start the stack with ./bank up"
                " (nginx's start writes it), or unset OPEN_BANK_BACKEND_PROXY_SECRET_FILE"
            )
        return secret

    @property
    def handler_metrics_url(self) -> str:
        """The command handler's ``/metrics`` on this stack."""
        port = self.command_handler_metrics_port or _HANDLER_METRICS_PORT + self.port_offset
        return f"http://127.0.0.1:{port}/metrics"

    @property
    def listen_port(self) -> int:
        """The TCP port uvicorn binds."""
        return self.port if self.port is not None else _DEFAULT_PORT + self.port_offset
