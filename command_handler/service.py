"""Wiring of the command handler process: start-up plan → clients → loop, and a clean stop.

Start-up (settings, client configurations, migrations) runs in a child process,
`python -m command_handler.startup`, which hands over a `StartupPlan`: this long-running
process never imports pydantic or alembic (~33 MiB of resident memory it would keep for
nothing). Likewise the ids of the handler's schemas are looked up by a child,
`python -m command_handler.schema_ids`, so the registry client (~20 MiB) is never loaded here
unless a command comes with a schema id the child did not report. Everything long-lived
is created here, inside an ExitStack, never at import time. SIGTERM and SIGINT set a stop
flag: the loop finishes (or drops) its batch, then the consumer leaves the group and the
database connection closes.
"""

from __future__ import annotations

import gc
import json
import logging
import secrets
import signal
import subprocess
import sys
import threading
import types
from contextlib import ExitStack
from typing import Any, Final

from confluent_kafka import Consumer

from command_handler.backoff import Backoff
from command_handler.logs import configure_logging
from command_handler.loop import CommandLoop
from command_handler.metrics import HandlerMetrics
from command_handler.plan import StartupPlan
from command_handler.publishing import TransactionalPublisher
from command_handler.restart import restart_in_place
from command_handler.storage.database import Database
from command_handler.topics import HandlerTopics
from topology.repeated_logs import with_quiet_logs
from topology.serde import RecordSerde

__all__ = ["known_schema_ids", "main", "run_service", "start_up"]

_LOGGER = logging.getLogger("command_handler")
_DATABASE_UNREACHABLE: Final = 2  # exit status of command_handler.startup


def _consumer(plan: StartupPlan, metrics: HandlerMetrics) -> Any:
    # librdkafka's own lines become JSON lines like ours, one per kind per 30 s while Kafka
    # is down (it logs every reconnect attempt).
    config = with_quiet_logs(plan.consumer_config)
    config["stats_cb"] = metrics.record_statistics
    return Consumer(config)


def _producer_config(plan: StartupPlan) -> dict[str, Any]:
    return with_quiet_logs(plan.producer_config)


def start_up(stop: threading.Event) -> StartupPlan | None:
    """Run the start-up child (settings, migrations) until it succeeds, waiting for
    PostgreSQL with back-off; None if stopped first. Invalid settings or a failed
    migration are fatal (RuntimeError with the child's stderr)."""
    backoff = Backoff()
    logged = False
    while not stop.is_set():
        result = subprocess.run(
            [sys.executable, "-m", "command_handler.startup"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode not in (0, _DATABASE_UNREACHABLE):
            raise RuntimeError(f"start-up failed: {result.stderr.strip()}")
        plan = StartupPlan.from_json(result.stdout)
        if result.returncode == 0:
            return plan
        if not logged:
            configure_logging(plan.log_level)
            _LOGGER.warning(
                "postgresql unavailable for migrations", extra={"error": result.stderr.strip()}
            )
            logged = True
        stop.wait(backoff.next_delay_s())
    return None


def known_schema_ids(plan: StartupPlan) -> dict[str, int]:
    """Subject -> schema id of every record the handler reads or writes, from the child
    `command_handler.schema_ids`; empty (the serde then asks the registry itself, as it
    would have before) when the registry could not tell, e.g. while it is down."""
    request = {"registry_config": plan.registry_config, "topic_prefix": plan.topic_prefix}
    result = subprocess.run(
        [sys.executable, "-m", "command_handler.schema_ids"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        _LOGGER.warning(
            "schema ids not resolved at start; the registry is asked on the first message",
            extra={"error": result.stderr.strip()[-2000:]},
        )
        return {}
    ids: dict[str, int] = json.loads(result.stdout)
    return ids


def run_service(plan: StartupPlan, stop: threading.Event) -> None:
    """Run one handler instance until `stop` is set."""
    metrics = HandlerMetrics()
    metrics.serve(plan.metrics_port)
    topics = HandlerTopics.with_prefix(plan.topic_prefix)
    with ExitStack() as stack:
        # One psycopg connection, no ping before a batch (a ping was one more round trip per
        # batch, ~4% of the loop thread): a connection that died fails its batch, is dropped,
        # and the retry (after back-off) connects again.
        database = Database(plan.database_url)
        stack.callback(database.close)
        publisher = TransactionalPublisher(lambda: _producer_config(plan))
        stack.callback(publisher.close)
        serde = RecordSerde.from_config(
            plan.registry_config, known_schema_ids=known_schema_ids(plan)
        )
        stack.callback(serde.close)
        consumer = _consumer(plan, metrics)
        # Leaves the group at once, so the partitions move without waiting for a time-out.
        stack.callback(consumer.close)
        loop = CommandLoop(
            consumer=consumer,
            publisher=publisher,
            database=database,
            serde=serde,
            topics=topics,
            metrics=metrics,
            stop=stop,
            batch_size=plan.batch_size,
            poll_timeout_ms=plan.poll_timeout_ms,
            max_linger_ms=plan.max_linger_ms,
            client_id=plan.client_id,
            rng=secrets.SystemRandom(),
            # The broker aborts a transaction open longer than its time-out: a publish
            # still not done a few seconds after that is stuck, not slow.
            stuck_publish_s=plan.producer_config["transaction.timeout.ms"] / 1000 + 5,
            on_stuck=restart_in_place,
        )
        _LOGGER.info(
            "command handler started",
            extra={
                "instance": plan.instance,
                "metrics_port": plan.metrics_port,
                "commands_topic": topics.commands.name,
            },
        )
        # Everything allocated so far lives as long as the process: keep the collector
        # from walking it again on every full collection.
        gc.collect()
        gc.freeze()
        loop.run()
    _LOGGER.info("command handler stopped", extra={"instance": plan.instance})


def main() -> None:
    """Entry point of `python -m command_handler`."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: types.FrameType | None) -> None:
        _LOGGER.info("stop requested", extra={"signal": signal.Signals(signum).name})
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    plan = start_up(stop)
    if plan is None:
        return
    configure_logging(plan.log_level)
    run_service(plan, stop)
