"""The synchronizer against the shared stack: the real run's topics and subjects, a no-op
second run, creation and drift on unique topics (configs set back, partitions left),
refusal of an incompatible schema, and bounded failure when Kafka or the registry is
unreachable."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest
from confluent_kafka.admin import AdminClient

# Re-exported by confluent_kafka.admin but not marked so in its type information.
from confluent_kafka.admin._config import AlterConfigOpType, ConfigEntry, ConfigResource
from confluent_kafka.cimpl import NewTopic

from synchronizer.errors import IncompatibleSchemaError
from synchronizer.run import synchronize
from synchronizer.settings import SynchronizerSettings
from topology.records import BalanceChanged, Heartbeat, MoneyTransferConfirmed
from topology.schemas import schema_text
from topology.settings import KafkaSettings, RegistrySettings
from topology.topics import ALL_TOPICS, HEARTBEAT, HISTORY_TOPICS, Topic

pytestmark = pytest.mark.integration

TopicFactory = Callable[..., Topic]  # the `unique_topic` fixture


def _run_synchronizer(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synchronizer"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_real_topics_exist_with_topology_partitions_and_configs(admin: AdminClient) -> None:
    metadata = admin.list_topics(timeout=10)
    brokers = len(metadata.brokers)
    for topic in ALL_TOPICS:
        assert topic.name in metadata.topics, f"{topic.name} missing: did the stack run it?"
        partitions = metadata.topics[topic.name].partitions
        assert len(partitions) == topic.partitions, topic.name
        assert len(partitions[0].replicas) == topic.replication_for(brokers), topic.name
    resource = ConfigResource(ConfigResource.Type.TOPIC, HEARTBEAT.name)
    entries = admin.describe_configs([resource])[resource].result(timeout=10)
    assert entries["retention.ms"].value == "900000"


def _topic_configs(admin: AdminClient, name: str) -> dict[str, str | None]:
    resource = ConfigResource(ConfigResource.Type.TOPIC, name)
    entries = admin.describe_configs([resource])[resource].result(timeout=10)
    return {key: entry.value for key, entry in entries.items()}


def test_the_history_topics_keep_everything_and_heartbeat_does_not(admin: AdminClient) -> None:
    for topic in HISTORY_TOPICS:
        configs = _topic_configs(admin, topic.name)
        assert configs["retention.ms"] == "-1", topic.name
        assert configs["retention.bytes"] == "-1", topic.name
    assert _topic_configs(admin, HEARTBEAT.name)["retention.ms"] == "900000"


def test_every_real_subject_holds_the_local_schema(registry_settings: RegistrySettings) -> None:
    with httpx.Client(base_url=registry_settings.url + "/", timeout=10) as http:
        subjects = set(http.get("subjects").json())
        for topic in ALL_TOPICS:
            for record_type in topic.record_types:
                subject = topic.subject(record_type)
                assert subject in subjects
                latest = http.get(f"subjects/{subject}/versions/latest").json()
                assert json.loads(latest["schema"]) == json.loads(schema_text(record_type))
                level = http.get(f"config/{subject}").json()["compatibilityLevel"]
                assert level == "BACKWARD"


def test_second_run_of_the_command_changes_nothing_and_says_so(
    synchronizer_env: dict[str, str],
) -> None:
    result = _run_synchronizer(synchronizer_env)
    assert result.returncode == 0, result.stderr
    assert "nothing to change: 6 topics and 8 subjects" in result.stderr


def test_creates_missing_topics_and_subjects_then_is_a_noop(
    unique_topic: TopicFactory,
    kafka_settings: KafkaSettings,
    registry_settings: RegistrySettings,
    quick_settings: SynchronizerSettings,
    admin: AdminClient,
) -> None:
    topic = unique_topic(
        (Heartbeat, BalanceChanged), partitions=3, configs={"retention.ms": "60000"}
    )
    first = synchronize([topic], kafka_settings, registry_settings, quick_settings)
    assert first.created_topics == (topic.name,)
    assert [s for s, _ in first.schemas.registered] == list(topic.subjects)
    described = admin.list_topics(topic.name, timeout=10).topics[topic.name]
    assert len(described.partitions) == 3

    second = synchronize([topic], kafka_settings, registry_settings, quick_settings)
    assert not second.changed_anything
    assert second.summary().startswith("nothing to change: 1 topics and 2 subjects")


def test_partition_drift_is_reported_and_left_while_configs_are_set_back(
    unique_topic: TopicFactory,
    kafka_settings: KafkaSettings,
    registry_settings: RegistrySettings,
    quick_settings: SynchronizerSettings,
    admin: AdminClient,
) -> None:
    topic = unique_topic((Heartbeat,), partitions=4, configs={"retention.ms": "60000"})
    existing = NewTopic(topic.name, num_partitions=2, replication_factor=1)
    admin.create_topics([existing])[topic.name].result(timeout=10)

    report = synchronize([topic], kafka_settings, registry_settings, quick_settings)
    assert report.created_topics == ()
    assert report.topics.drift == (f"topic {topic.name}: has 2 partitions, topology wants 4",)
    assert [c.describe() for c in report.altered_configs] == [
        f"topic {topic.name}: retention.ms was '604800000', now '60000'"
    ]
    assert len(admin.list_topics(topic.name, timeout=10).topics[topic.name].partitions) == 2
    assert _topic_configs(admin, topic.name)["retention.ms"] == "60000"


def test_a_drifted_history_config_is_brought_back_and_logged(
    unique_topic: TopicFactory,
    kafka_settings: KafkaSettings,
    registry_settings: RegistrySettings,
    quick_settings: SynchronizerSettings,
    admin: AdminClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    topic = unique_topic((Heartbeat,), configs={"retention.ms": "-1", "retention.bytes": "-1"})
    synchronize([topic], kafka_settings, registry_settings, quick_settings)
    # Someone shortens the retention of a history topic by hand, with a config they did
    # not touch left as it was.
    drifted = ConfigResource(
        ConfigResource.Type.TOPIC,
        topic.name,
        incremental_configs=[
            ConfigEntry("retention.ms", "1000", incremental_operation=AlterConfigOpType.SET),
            ConfigEntry("segment.ms", "3600000", incremental_operation=AlterConfigOpType.SET),
        ],
    )
    admin.incremental_alter_configs([drifted])[drifted].result(timeout=10)
    assert _topic_configs(admin, topic.name)["retention.ms"] == "1000"

    with caplog.at_level(logging.WARNING, logger="synchronizer"):
        report = synchronize([topic], kafka_settings, registry_settings, quick_settings)

    assert report.changed_anything
    assert report.topics.drift == ()
    assert f"drift (set back): topic {topic.name}: retention.ms was '1000', now '-1'" in (
        caplog.messages
    )
    configs = _topic_configs(admin, topic.name)
    assert configs["retention.ms"] == "-1"
    assert configs["retention.bytes"] == "-1"
    assert configs["segment.ms"] == "3600000"
    third = synchronize([topic], kafka_settings, registry_settings, quick_settings)
    assert not third.changed_anything


def test_incompatible_schema_is_refused_naming_the_subject_and_nothing_is_registered(
    unique_topic: TopicFactory,
    kafka_settings: KafkaSettings,
    registry_settings: RegistrySettings,
    quick_settings: SynchronizerSettings,
) -> None:
    topic = unique_topic((BalanceChanged, MoneyTransferConfirmed))
    refused_subject = topic.subject(BalanceChanged)
    # The registered version lacks `description`; the local schema then adds it without a
    # default, so data already written could not be read: not BACKWARD compatible.
    older = json.loads(schema_text(BalanceChanged))
    older["fields"] = [f for f in older["fields"] if f["name"] != "description"]
    with httpx.Client(base_url=registry_settings.url + "/", timeout=10) as http:
        answer = http.post(
            f"subjects/{refused_subject}/versions", json={"schema": json.dumps(older)}
        )
        assert answer.status_code == 200, answer.text

        with pytest.raises(IncompatibleSchemaError) as caught:
            synchronize([topic], kafka_settings, registry_settings, quick_settings)

        message = str(caught.value)
        assert refused_subject in message
        assert "field description added without a default" in message
        assert "\n" not in message
        subjects = http.get("subjects").json()
        assert topic.subject(MoneyTransferConfirmed) not in subjects
        assert http.get(f"subjects/{refused_subject}/versions").json() == [1]


def test_unreachable_kafka_gives_one_line_and_exit_code_2(
    synchronizer_env: dict[str, str],
) -> None:
    env = {
        **synchronizer_env,
        "OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "OPEN_BANK_SYNCHRONIZER_ATTEMPTS": "2",
        "OPEN_BANK_SYNCHRONIZER_TIMEOUT_S": "1",
    }
    result = _run_synchronizer(env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(
        "synchronizer: error: Kafka at 127.0.0.1:1 unreachable after 2 attempts:"
    )


def test_unreachable_registry_gives_one_line_and_exit_code_2(
    synchronizer_env: dict[str, str],
) -> None:
    env = {
        **synchronizer_env,
        "OPEN_BANK_SCHEMA_REGISTRY_URL": "http://127.0.0.1:1/apis/ccompat/v7",
        "OPEN_BANK_SYNCHRONIZER_ATTEMPTS": "2",
        "OPEN_BANK_SYNCHRONIZER_TIMEOUT_S": "1",
    }
    result = _run_synchronizer(env)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "synchronizer: error: schema registry at http://127.0.0.1:1/apis/ccompat/v7 "
            "unreachable after 2 attempts:"
        )
    )
