"""The command handler's settings: one pydantic-settings class, read once at the entrypoint.

Service-specific variables are `OPEN_BANK_COMMAND_HANDLER_*`; Kafka, registry and database
use the shared `topology.settings` classes (names in docs/architecture.md).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from topology.settings import DatabaseSettings, KafkaSettings, RegistrySettings

__all__ = ["DEFAULT_METRICS_PORT", "CommandHandlerSettings", "load_settings"]

DEFAULT_METRICS_PORT = 9102


class CommandHandlerSettings(BaseSettings):
    """Knobs of one command handler instance (`OPEN_BANK_COMMAND_HANDLER_*`)."""

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_COMMAND_HANDLER_", extra="ignore")

    instance: str = "0"
    """Names this instance; its Kafka transactional id is `command-handler-<instance>`.
    Give each concurrently running instance its own; a restarted instance should keep its
    name, so its unfinished Kafka transaction is aborted at once instead of timing out."""

    group_id: str = "command-handler"
    """Consumer group of `commands` shared by all instances."""

    topic_prefix: str = ""
    """Prefix of every topic read and written; empty in production (see `topics`)."""

    batch_size: int = Field(default=2_000, ge=1, le=10_000)
    """Most commands decided in one PostgreSQL transaction and one Kafka transaction. A batch
    is only this large when that many commands are waiting, so an idle command is not
    delayed by it; larger batches drain a backlog faster (`python -m bench handler`)."""

    max_linger_ms: int = Field(default=20, ge=0)
    """Most a batch waits for more commands after its first (ms). The wait is adaptive
    (see `linger`): none at low load or when Kafka commits are fast, at most one commit
    time under a steady stream; 0 never waits."""

    poll_timeout_ms: int = Field(default=100, ge=1)
    """How long one poll waits for the first message (ms); bounds shutdown latency too."""

    transaction_timeout_ms: int = Field(default=15_000, ge=1_000)
    """Broker-side timeout of an open Kafka transaction (ms): how long the output partitions
    stay blocked for read_committed readers if an instance dies and never comes back."""

    session_timeout_ms: int = Field(default=20_000, ge=1_000)
    """Consumer group session timeout (ms): how soon a stopped instance's partitions move
    to the others (a restarted static member takes them back at once). Longer than the
    only broker's restart, so the session outlives it: one that lapsed cost a rejoin, now
    and then a fenced member, on every broker restart."""

    static_membership: bool = True
    """Join the group as `command-handler-<instance>` (Kafka's static membership): a
    restarted instance, or one whose session lapsed while Kafka restarted, takes its own
    place back at once, where a new member waits for the old one's session to end. The
    price: a stopped instance's partitions move only after its session, as after a kill."""

    metrics_port: int | None = None
    """Prometheus /metrics port as given (the stack passes it already shifted); unset:
    9102 + `OPEN_BANK_PORT_OFFSET`."""

    port_offset: int = Field(default=0, validation_alias="OPEN_BANK_PORT_OFFSET")
    """Added to every port, so a second stack can run beside the shared one."""

    log_level: str = Field(default="INFO", validation_alias="OPEN_BANK_LOG_LEVEL")

    @property
    def transactional_id(self) -> str:
        """The Kafka transactional id of this instance."""
        return f"command-handler-{self.instance}"

    @property
    def client_id(self) -> str:
        """The Kafka client id (names the instance in broker logs)."""
        return f"command-handler-{self.instance}"

    @property
    def metrics_bind_port(self) -> int:
        """The port /metrics is served on."""
        if self.metrics_port is not None:
            return self.metrics_port
        return DEFAULT_METRICS_PORT + self.port_offset


def load_settings() -> tuple[
    CommandHandlerSettings, KafkaSettings, RegistrySettings, DatabaseSettings
]:
    """Read every setting the service needs from the environment, once."""
    return CommandHandlerSettings(), KafkaSettings(), RegistrySettings(), DatabaseSettings()
