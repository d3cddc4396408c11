"""The handler's Kafka clients, configured from topology's shared settings plus what a
transactional, exactly-once handler needs of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from confluent_kafka import Consumer

from command_handler.kafka.publisher import TransactionalPublisher
from command_handler.settings import CommandHandlerSettings
from topology.clients import consumer_config, producer_config
from topology.repeated_logs import with_quiet_logs
from topology.settings import KafkaSettings

__all__ = ["command_consumer", "consumer_settings", "producer_settings", "transactional_publisher"]

_STATISTICS_INTERVAL_MS: Final = 5_000


def consumer_settings(settings: CommandHandlerSettings, kafka: KafkaSettings) -> dict[str, Any]:
    """librdkafka settings of the consumer of `commands`."""
    return dict(
        consumer_config(
            kafka,
            client_id=settings.client_id,
            group_id=settings.group_id,
            overrides={
                # Offsets are committed inside the Kafka transaction, never by the consumer.
                "enable.auto.commit": False,
                # No silent start from the beginning (every command answered again) or the
                # end (commands skipped): the position keeper decides.
                "auto.offset.reset": "error",
                # Only commands of producers' committed transactions.
                "isolation.level": "read_committed",
                # A small prefetch (~3,400 commands, a few batches ahead) bounds the memory
                # held in fetch buffers; it relies on topology's short fetch back-off.
                "queued.max.messages.kbytes": 512,
                "max.partition.fetch.bytes": 262_144,
                "fetch.max.bytes": 524_288,
                # librdkafka wants fetch.max.bytes >= message.max.bytes; a consumer sends
                # only small requests.
                "message.max.bytes": 262_144,
                # For the consumer-lag gauge.
                "statistics.interval.ms": _STATISTICS_INTERVAL_MS,
                # A killed instance's partitions move after the session time-out; a member
                # learns of a rebalance at its next heartbeat, so those stay frequent.
                "session.timeout.ms": settings.session_timeout_ms,
                "heartbeat.interval.ms": min(2_000, settings.session_timeout_ms // 3),
                **({"group.instance.id": settings.client_id} if settings.static_membership else {}),
            },
        )
    )


def producer_settings(settings: CommandHandlerSettings, kafka: KafkaSettings) -> dict[str, Any]:
    """librdkafka settings of the transactional producer."""
    return dict(
        producer_config(
            kafka,
            client_id=settings.client_id,
            transactional_id=settings.transactional_id,
            overrides={
                "transaction.timeout.ms": settings.transaction_timeout_ms,
                # librdkafka requires message.timeout.ms <= transaction.timeout.ms.
                "message.timeout.ms": min(30_000, settings.transaction_timeout_ms),
            },
        )
    )


def command_consumer(
    settings: CommandHandlerSettings, kafka: KafkaSettings, on_statistics: Callable[[str], None]
) -> Any:
    """The consumer of `commands`; librdkafka's own log lines become one JSON line per kind
    per 30 s while Kafka is down."""
    config = with_quiet_logs(consumer_settings(settings, kafka))
    config["stats_cb"] = on_statistics
    return Consumer(config)


def transactional_publisher(
    settings: CommandHandlerSettings, kafka: KafkaSettings
) -> TransactionalPublisher:
    """The publisher; it makes a fresh producer after a fatal error."""
    return TransactionalPublisher(
        lambda: with_quiet_logs(producer_settings(settings, kafka)),
        transaction_timeout_s=settings.transaction_timeout_ms / 1000,
    )
