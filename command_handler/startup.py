"""`python -m command_handler.startup`: the handler's start-up, in a short-lived child.

Reads the typed settings (pydantic-settings), builds the Kafka and registry client
configurations (topology's functions), writes them as one JSON line to stdout (a
`StartupPlan`), then migrates the database (alembic). The long-running process reads the
plan and never imports pydantic or alembic (see `plan`). Exit status 0: migrated;
2: PostgreSQL unreachable (the plan was written all the same); anything else: a setting is
invalid or a migration failed, with the reason on stderr.
"""

from __future__ import annotations

import sys
from typing import Any, Final

import sqlalchemy as sa

from command_handler.plan import StartupPlan
from command_handler.settings import CommandHandlerSettings, load_settings
from command_handler.storage.migrate import migrate
from topology.clients import consumer_config, producer_config, registry_config
from topology.settings import DatabaseSettings, KafkaSettings, RegistrySettings

__all__ = ["DATABASE_UNREACHABLE", "main", "plan_from_settings"]

DATABASE_UNREACHABLE: Final = 2
_STATISTICS_INTERVAL_MS: Final = 5_000


def _consumer_config(settings: CommandHandlerSettings, kafka: KafkaSettings) -> dict[str, Any]:
    return dict(
        consumer_config(
            kafka,
            client_id=settings.client_id,
            group_id=settings.group_id,
            overrides={
                # Offsets are committed inside the Kafka transaction, never by the consumer.
                "enable.auto.commit": False,
                # No silent start from the beginning (every command on the partition
                # answered again) or the end (commands skipped): the loop decides.
                "auto.offset.reset": "error",
                # Only see commands of producers' committed transactions.
                "isolation.level": "read_committed",
                # Prefetch at most 256 KiB per partition and 512 KiB in all: ~3,400
                # ~150-byte commands, three batches ahead. Each fetch response is one
                # buffer in librdkafka's broker thread (its own malloc arena), kept until
                # its last message is consumed: with 1/2 MiB caps the drain's peak RSS was
                # 66.4 MiB, with these 52.8, at the same throughput (docs/command-handler.md,
                # session 4). A larger command is still fetched: the broker returns a first
                # batch bigger than the caps, and librdkafka grows the partition's fetch.
                # Such a small queue is full most of a drain: it relies on topology's
                # `fetch.queue.backoff.ms` of 10 ms (librdkafka's 1 s default starved the
                # loop: 9,500 instead of 14,000 commands/s, session 5).
                "queued.max.messages.kbytes": 512,
                "max.partition.fetch.bytes": 262_144,
                "fetch.max.bytes": 524_288,
                # librdkafka wants fetch.max.bytes >= message.max.bytes; a consumer sends
                # only small requests (offsets, heartbeats), so 256 KiB is ample.
                "message.max.bytes": 262_144,
                # For the consumer-lag gauge.
                "statistics.interval.ms": _STATISTICS_INTERVAL_MS,
                # A killed instance's partitions move after 6 s (the broker's minimum)
                # instead of 45 s; heartbeats every 2 s keep a live one in the group.
                "session.timeout.ms": settings.session_timeout_ms,
                "heartbeat.interval.ms": max(1_000, settings.session_timeout_ms // 3),
            },
        )
    )


def _producer_config(settings: CommandHandlerSettings, kafka: KafkaSettings) -> dict[str, Any]:
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


def plan_from_settings(
    settings: CommandHandlerSettings,
    kafka: KafkaSettings,
    registry: RegistrySettings,
    database: DatabaseSettings,
) -> StartupPlan:
    """Everything the long-running process needs, as plain values."""
    return StartupPlan(
        instance=settings.instance,
        client_id=settings.client_id,
        topic_prefix=settings.topic_prefix,
        batch_size=settings.batch_size,
        poll_timeout_ms=settings.poll_timeout_ms,
        max_linger_ms=settings.max_linger_ms,
        metrics_port=settings.metrics_bind_port,
        log_level=settings.log_level,
        consumer_config=_consumer_config(settings, kafka),
        producer_config=_producer_config(settings, kafka),
        registry_config=dict(registry_config(registry)),
        database_url=database.url.get_secret_value(),
    )


def main() -> int:
    """Write the plan, then migrate; the exit status says how that went."""
    plan = plan_from_settings(*load_settings())
    print(plan.to_json(), flush=True)
    try:
        migrate(plan.database_url)
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        print(f"postgresql unavailable: {exc}", file=sys.stderr)
        return DATABASE_UNREACHABLE
    return 0


if __name__ == "__main__":
    sys.exit(main())
