"""One synchronizer run: topics first, then schemas; a summary, or one error line.

`synchronize` is the whole run as a function of its inputs (the topology's topics and the
settings), so integration tests run it on their own uniquely named topics; `main` is the
command: it reads the environment, logs, and turns errors into exit codes.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from synchronizer.errors import ExitCode, SynchronizerError
from synchronizer.kafka_topics import (
    ClusterView,
    alter_topic_configs,
    create_topics,
    read_cluster,
)
from synchronizer.registry_api import RegistryApi, RegistryApiError
from synchronizer.retry import retry_bounded
from synchronizer.schema_plan import wanted_subjects
from synchronizer.schema_sync import SchemaReport, sync_schemas
from synchronizer.settings import SynchronizerSettings
from synchronizer.topic_plan import ConfigChange, TopicPlan, plan_topics
from topology.clients import admin_config
from topology.settings import KafkaSettings, RegistrySettings
from topology.topics import ALL_TOPICS, Topic

__all__ = ["RunReport", "main", "synchronize"]

_log = logging.getLogger("synchronizer")


@dataclass(frozen=True, slots=True)
class RunReport:
    """What one run found and did."""

    brokers: int
    topic_count: int
    topics: TopicPlan
    created_topics: tuple[str, ...]
    schemas: SchemaReport
    altered_configs: tuple[ConfigChange, ...] = ()

    @property
    def changed_anything(self) -> bool:
        return (
            bool(self.created_topics) or bool(self.altered_configs) or self.schemas.changed_anything
        )

    def summary(self) -> str:
        """One line saying what changed, or that nothing had to."""
        subjects = len(self.schemas.up_to_date) + len(self.schemas.registered)
        if not self.changed_anything:
            text = (
                f"nothing to change: {self.topic_count} topics and {subjects} subjects "
                "already exist as the topology wants"
            )
        else:
            text = f"created {len(self.created_topics)} topics, "
            if self.altered_configs:
                text += f"set {len(self.altered_configs)} topic configs back (see above), "
            text += (
                f"registered {len(self.schemas.registered)} schemas, set compatibility on "
                f"{len(self.schemas.compatibility_set)} subjects"
            )
        if self.topics.drift:
            text += f"; {len(self.topics.drift)} drift findings left as they are (see above)"
        return text


def _quiet_librdkafka_logger() -> logging.Logger:
    # librdkafka logs every failed connection attempt; the retries already say what
    # matters, so its lines are shown only when debugging.
    logger = logging.getLogger("synchronizer.librdkafka")
    if not _log.isEnabledFor(logging.DEBUG):
        logger.setLevel(logging.CRITICAL)
    return logger


def _sync_topics(
    topics: Sequence[Topic], kafka: KafkaSettings, settings: SynchronizerSettings
) -> tuple[ClusterView, TopicPlan, list[str], list[ConfigChange]]:
    admin = AdminClient(
        admin_config(kafka, client_id=settings.client_id), logger=_quiet_librdkafka_logger()
    )
    view = retry_bounded(
        lambda: read_cluster(admin, topics, settings.timeout_s),
        what=f"Kafka at {kafka.bootstrap_servers}",
        attempts=settings.attempts,
        first_backoff_s=settings.first_backoff_s,
        retry_on=(KafkaException, TimeoutError),
    )
    plan = plan_topics(topics, view.existing, view.brokers)
    for finding in plan.drift:
        _log.warning("drift (not changed): %s", finding)
    created = create_topics(admin, plan.to_create, settings.timeout_s)
    for name in created:
        _log.info("topic %s: created", name)
    altered = alter_topic_configs(admin, plan.to_alter, settings.timeout_s)
    for change in altered:
        _log.warning("drift (set back): %s", change.describe())
    return view, plan, created, altered


def _sync_schemas(
    topics: Sequence[Topic], registry: RegistrySettings, settings: SynchronizerSettings
) -> SchemaReport:
    limited = registry.model_copy(update={"timeout_s": settings.timeout_s})
    with RegistryApi(limited) as api:
        # Only the first call waits for the registry to come up; once it answered, a
        # failure later in the run is an error worth seeing at once.
        retry_bounded(
            api.subjects,
            what=f"schema registry at {registry.url}",
            attempts=settings.attempts,
            first_backoff_s=settings.first_backoff_s,
            retry_on=(httpx.TransportError,),
        )
        return sync_schemas(api, wanted_subjects(topics))


def synchronize(
    topics: Sequence[Topic],
    kafka: KafkaSettings,
    registry: RegistrySettings,
    settings: SynchronizerSettings,
) -> RunReport:
    """Create the missing `topics`, set drifted configs back, report other drift, register
    their schemas. Raises a `SynchronizerError` subclass when it cannot."""
    view, plan, created, altered = _sync_topics(topics, kafka, settings)
    schemas = _sync_schemas(topics, registry, settings)
    return RunReport(view.brokers, len(topics), plan, tuple(created), schemas, tuple(altered))


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m synchronizer`: exit 0 when everything is as the topology wants (configs
    set back; partition and replication drift reported, not fixed), 1 when something was
    refused, 2 when Kafka or the registry stayed unreachable."""
    del argv  # no options: everything comes from the environment
    logging.basicConfig(
        level=os.environ.get("OPEN_BANK_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # One line per HTTP request is noise here; our own lines say what each call did.
    for http_logger in ("httpx", "httpx2"):
        logging.getLogger(http_logger).setLevel(logging.WARNING)
    try:
        report = synchronize(
            ALL_TOPICS, KafkaSettings(), RegistrySettings(), SynchronizerSettings()
        )
    except SynchronizerError as exc:
        print(f"synchronizer: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except RegistryApiError as exc:
        print(f"synchronizer: error: schema registry refused: {exc}", file=sys.stderr)
        return int(ExitCode.REFUSED)
    except httpx.HTTPError as exc:
        # The registry answered the first call, then stopped answering mid-run.
        print(f"synchronizer: error: schema registry failed: {exc}", file=sys.stderr)
        return int(ExitCode.UNREACHABLE)
    except (KafkaException, TimeoutError) as exc:
        # Kafka answered the first description, then a later admin request failed.
        print(f"synchronizer: error: Kafka request failed: {exc}", file=sys.stderr)
        return int(ExitCode.UNREACHABLE)
    _log.info("%s", report.summary())
    return int(ExitCode.OK)
