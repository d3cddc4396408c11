"""The ports of the local stack, all on 127.0.0.1, shifted by one offset.

The base numbers are the ones in docs/architecture.md. A private stack (the lifecycle tests
run one beside the shared stack) adds `OPEN_BANK_PORT_OFFSET` to every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BROKER_PORT_STEP", "LOOPBACK", "Ports"]

LOOPBACK = "127.0.0.1"
# Broker n listens on 9092 + 100*(n-1) and its controller on 9093 + 100*(n-1).
BROKER_PORT_STEP = 100


@dataclass(frozen=True)
class Ports:
    """Every port the stack uses, for one port offset."""

    offset: int = 0

    @property
    def postgres(self) -> int:
        return 5433 + self.offset

    def broker(self, node: int) -> int:
        """The SSL listener of Kafka node `node` (1-based)."""
        return 9092 + BROKER_PORT_STEP * (node - 1) + self.offset

    def controller(self, node: int) -> int:
        """The KRaft controller listener (SSL too) of Kafka node `node` (1-based)."""
        return 9093 + BROKER_PORT_STEP * (node - 1) + self.offset

    @property
    def registry(self) -> int:
        return 8081 + self.offset

    @property
    def registry_management(self) -> int:
        return 9001 + self.offset

    @property
    def nginx(self) -> int:
        return 8080 + self.offset

    @property
    def backend(self) -> int:
        return 8000 + self.offset

    @property
    def command_handler_metrics(self) -> int:
        return 9102 + self.offset

    @property
    def heartbeat(self) -> int:
        return 9103 + self.offset

    @property
    def command_generator_metrics(self) -> int:
        return 9104 + self.offset

    @property
    def zipkin(self) -> int:
        """Zipkin's trace viewer and span collector (UI at /zipkin/, API at /api/v2/)."""
        return 9411 + self.offset

    def all(self, brokers: int) -> frozenset[int]:
        """Every port a stack of `brokers` Kafka nodes listens on."""
        kafka = {
            p for node in range(1, brokers + 1) for p in (self.broker(node), self.controller(node))
        }
        return frozenset(
            {
                self.postgres,
                self.registry,
                self.registry_management,
                self.nginx,
                self.backend,
                self.command_handler_metrics,
                self.heartbeat,
                self.command_generator_metrics,
                self.zipkin,
                *kafka,
            }
        )

    def bootstrap_servers(self, brokers: int) -> str:
        """The comma-separated `host:port` list clients start from."""
        return ",".join(f"{LOOPBACK}:{self.broker(node)}" for node in range(1, brokers + 1))
