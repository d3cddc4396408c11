"""`python -m command_handler`: one command handler instance.

settings (read once) → clients → loop, everything long-lived owned by one ExitStack. The
schema is migrated before, by the stack's one-shot `alembic -c command_handler/alembic.ini
upgrade head`, as the synchronizer creates the topics before. SIGTERM and SIGINT set a stop
flag: the loop finishes (or drops) its batch, then the consumer leaves the group and the
connection closes.
"""

from __future__ import annotations

import gc
import logging
import secrets
import signal
import threading
import types
from contextlib import ExitStack

from command_handler.kafka.clients import command_consumer, transactional_publisher
from command_handler.kafka.publisher import PublishFailedError
from command_handler.logs import configure_logging
from command_handler.loop import CommandLoop, LoopOptions
from command_handler.metrics import HandlerMetrics
from command_handler.restart import exit_for_restart
from command_handler.settings import CommandHandlerSettings, load_settings
from command_handler.storage.postgres import PostgresStore
from command_handler.topics import HandlerTopics
from topology.clients import registry_config
from topology.serde import RecordSerde
from topology.settings import DatabaseSettings, KafkaSettings, RegistrySettings
from topology.tracing import setup_tracing

__all__ = ["main", "run_service"]

_LOGGER = logging.getLogger("command_handler")
# The broker aborts a transaction open longer than its time-out: a publish still not done
# this long after that is stuck, not slow (s).
_STUCK_MARGIN_S = 5.0


def run_service(
    settings: CommandHandlerSettings,
    kafka: KafkaSettings,
    registry: RegistrySettings,
    database: DatabaseSettings,
    stop: threading.Event,
) -> None:
    """Run one handler instance until `stop` is set."""
    metrics = HandlerMetrics()
    metrics.serve(settings.metrics_bind_port)
    topics = HandlerTopics.with_prefix(settings.topic_prefix)
    with ExitStack() as stack:
        store = PostgresStore(database.url.get_secret_value())
        stack.callback(store.close)
        publisher = transactional_publisher(settings, kafka)
        stack.callback(publisher.close)
        serde = RecordSerde.from_config(dict(registry_config(registry)))
        stack.callback(serde.close)
        consumer = command_consumer(settings, kafka, metrics.record_statistics)
        # A dynamic member leaves the group at once; a static one (the default) keeps its
        # place for its session, so that its restart takes its partitions back at once.
        stack.callback(consumer.close)
        options = LoopOptions(
            client_id=settings.client_id,
            batch_size=settings.batch_size,
            poll_timeout_ms=settings.poll_timeout_ms,
            max_linger_ms=settings.max_linger_ms,
            stuck_publish_s=settings.transaction_timeout_ms / 1000 + _STUCK_MARGIN_S,
        )
        loop = CommandLoop(
            consumer=consumer,
            publisher=publisher,
            store=store,
            serde=serde,
            topics=topics,
            metrics=metrics,
            stop=stop,
            options=options,
            rng=secrets.SystemRandom(),
            on_stuck=exit_for_restart,
        )
        _LOGGER.info(
            "command handler started",
            extra={
                "instance": settings.instance,
                "metrics_port": settings.metrics_bind_port,
                "commands_topic": topics.commands.name,
            },
        )
        # What start-up allocated (modules, clients) lives as long as the process: freezing it
        # keeps every full collection from walking it again (`python -m bench handler`).
        gc.collect()
        gc.freeze()
        try:
            publisher.prepare()
        except PublishFailedError as exc:
            # Kafka is not there yet: the first publish initialises it.
            _LOGGER.warning("transactions not initialised yet", extra={"error": str(exc)})
        loop.run()
    _LOGGER.info("command handler stopped", extra={"instance": settings.instance})


def main() -> None:
    """Entry point of `python -m command_handler`."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: types.FrameType | None) -> None:
        _LOGGER.info("stop requested", extra={"signal": signal.Signals(signum).name})
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    settings, kafka, registry, database = load_settings()
    configure_logging(settings.log_level)
    setup_tracing("command-handler")
    run_service(settings, kafka, registry, database, stop)
