"""Wiring of the command handler process: settings → clients → loop, and a clean stop.

Everything long-lived is created here, inside an ExitStack, never at import time.
SIGTERM and SIGINT set a stop flag: the loop finishes (or drops) its batch, then the
consumer leaves the group and the engine closes.
"""

from __future__ import annotations

import logging
import secrets
import signal
import subprocess
import sys
import threading
import types
from contextlib import ExitStack
from typing import Any

import sqlalchemy as sa
from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient

from command_handler.backoff import Backoff
from command_handler.logs import configure_logging
from command_handler.loop import CommandLoop
from command_handler.metrics import HandlerMetrics
from command_handler.publishing import TransactionalPublisher
from command_handler.settings import CommandHandlerSettings, load_settings
from command_handler.topics import HandlerTopics
from topology.clients import consumer_config, producer_config, registry_config
from topology.serde import RecordSerde
from topology.settings import DatabaseSettings, KafkaSettings, RegistrySettings

__all__ = ["main", "run_service"]

_LOGGER = logging.getLogger("command_handler")
_LIBRDKAFKA_LOGGER = logging.getLogger("librdkafka")
_STATISTICS_INTERVAL_MS = 5_000
_DATABASE_UNREACHABLE = 2  # exit status of command_handler.storage.migrate


def _consumer(
    settings: CommandHandlerSettings, kafka: KafkaSettings, metrics: HandlerMetrics
) -> Any:
    config: dict[str, Any] = dict(
        consumer_config(
            kafka,
            client_id=settings.client_id,
            group_id=settings.group_id,
            overrides={
                # Offsets are committed inside the Kafka transaction, never by the consumer.
                "enable.auto.commit": False,
                # Only see commands of producers' committed transactions.
                "isolation.level": "read_committed",
                # Prefetch at most ~1 MiB per partition and 2 MiB in all (thousands of
                # ~150-byte commands): resident memory stays low while draining a backlog.
                "queued.max.messages.kbytes": 2048,
                "max.partition.fetch.bytes": 1_048_576,
                "fetch.max.bytes": 2_097_152,
                # For the consumer-lag gauge.
                "statistics.interval.ms": _STATISTICS_INTERVAL_MS,
                # A killed instance's partitions move after 6 s (the broker's minimum)
                # instead of 45 s; heartbeats every 2 s keep a live one in the group.
                "session.timeout.ms": settings.session_timeout_ms,
                "heartbeat.interval.ms": max(1_000, settings.session_timeout_ms // 3),
            },
        )
    )
    config["stats_cb"] = metrics.record_statistics
    config["logger"] = _LIBRDKAFKA_LOGGER
    return Consumer(config)


def _producer_config(settings: CommandHandlerSettings, kafka: KafkaSettings) -> dict[str, Any]:
    config: dict[str, Any] = dict(
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
    # librdkafka's own log lines become JSON lines like ours.
    config["logger"] = _LIBRDKAFKA_LOGGER
    return config


def _migrate_when_reachable(stop: threading.Event) -> bool:
    """Run the migrations in a subprocess (alembic stays out of this process), waiting for
    PostgreSQL with back-off; False if stopped first. Any other failure is fatal."""
    backoff = Backoff()
    logged = False
    while not stop.is_set():
        result = subprocess.run(
            [sys.executable, "-m", "command_handler.storage.migrate"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            return True
        if result.returncode != _DATABASE_UNREACHABLE:
            raise RuntimeError(f"migrations failed: {result.stderr.strip()}")
        if not logged:
            _LOGGER.warning(
                "postgresql unavailable for migrations", extra={"error": result.stderr.strip()}
            )
            logged = True
        stop.wait(backoff.next_delay_s())
    return False


def run_service(
    settings: CommandHandlerSettings,
    kafka: KafkaSettings,
    registry: RegistrySettings,
    database: DatabaseSettings,
    stop: threading.Event,
) -> None:
    """Run one handler instance until `stop` is set."""
    database_url = database.url.get_secret_value()
    if not _migrate_when_reachable(stop):
        return
    metrics = HandlerMetrics()
    metrics.serve(settings.metrics_bind_port)
    topics = HandlerTopics.with_prefix(settings.topic_prefix)
    with ExitStack() as stack:
        engine = sa.create_engine(database_url, pool_size=1, max_overflow=0, pool_pre_ping=True)
        stack.callback(engine.dispose)
        publisher = TransactionalPublisher(lambda: _producer_config(settings, kafka))
        stack.callback(publisher.close)
        consumer = _consumer(settings, kafka, metrics)
        # Leaves the group at once, so the partitions move without waiting for a time-out.
        stack.callback(consumer.close)
        loop = CommandLoop(
            consumer=consumer,
            publisher=publisher,
            engine=engine,
            serde=RecordSerde(SchemaRegistryClient(registry_config(registry))),
            topics=topics,
            metrics=metrics,
            stop=stop,
            batch_size=settings.batch_size,
            poll_timeout_ms=settings.poll_timeout_ms,
            client_id=settings.client_id,
            rng=secrets.SystemRandom(),
        )
        _LOGGER.info(
            "command handler started",
            extra={
                "instance": settings.instance,
                "metrics_port": settings.metrics_bind_port,
                "commands_topic": topics.commands.name,
            },
        )
        loop.run()
    _LOGGER.info("command handler stopped", extra={"instance": settings.instance})


def main() -> None:
    """Entry point of `python -m command_handler`."""
    settings, kafka, registry, database = load_settings()
    configure_logging(settings.log_level)
    stop = threading.Event()

    def request_stop(signum: int, _frame: types.FrameType | None) -> None:
        _LOGGER.info("stop requested", extra={"signal": signal.Signals(signum).name})
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    run_service(settings, kafka, registry, database, stop)
