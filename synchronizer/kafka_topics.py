"""Reading, creating and re-configuring topics on the Kafka cluster with the admin client.

Every admin call returns futures; each is waited on with a timeout, so a broker that stops
answering turns into an error instead of a hang.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

# The public names re-exported by confluent_kafka.admin, imported from where they are
# defined because the package's type information does not mark them as re-exported.
from confluent_kafka.admin._config import AlterConfigOpType, ConfigEntry, ConfigResource
from confluent_kafka.cimpl import NewTopic

from synchronizer.errors import SynchronizerError
from synchronizer.topic_plan import ConfigChange, ExistingTopic, TopicToCreate
from topology.topics import Topic

__all__ = ["ClusterView", "alter_topic_configs", "create_topics", "read_cluster"]


@dataclass(frozen=True, slots=True)
class ClusterView:
    """How many brokers the cluster has and the wanted topics that already exist."""

    brokers: int
    existing: dict[str, ExistingTopic]


def read_cluster(admin: AdminClient, wanted: Sequence[Topic], timeout_s: float) -> ClusterView:
    """Describe the cluster: broker count, and partitions, replication and the configs the
    topology sets for each wanted topic that exists. Raises `KafkaException` when the
    cluster does not answer within `timeout_s` seconds."""
    metadata = admin.list_topics(timeout=timeout_s)
    brokers = len(metadata.brokers)
    existing: dict[str, ExistingTopic] = {}
    present = [t for t in wanted if t.name in metadata.topics]
    configs = _read_configs(admin, present, brokers, timeout_s)
    for topic in present:
        described = metadata.topics[topic.name]
        if described.error is not None:
            raise KafkaException(described.error)
        partitions = described.partitions
        replication = len(partitions[0].replicas) if partitions else 0
        existing[topic.name] = ExistingTopic(
            name=topic.name,
            partitions=len(partitions),
            replication=replication,
            configs=configs[topic.name],
        )
    return ClusterView(brokers=brokers, existing=existing)


def _read_configs(
    admin: AdminClient, topics: Sequence[Topic], brokers: int, timeout_s: float
) -> dict[str, dict[str, str]]:
    if not topics:
        return {}
    resources = [ConfigResource(ConfigResource.Type.TOPIC, t.name) for t in topics]
    futures = admin.describe_configs(resources, request_timeout=timeout_s)
    result: dict[str, dict[str, str]] = {}
    for topic in topics:
        wanted_names = set(topic.configs_for(brokers))
        future = next(f for r, f in futures.items() if r.name == topic.name)
        entries = future.result(timeout=timeout_s)
        result[topic.name] = {
            name: entry.value
            for name, entry in entries.items()
            if name in wanted_names and entry.value is not None
        }
    return result


def create_topics(
    admin: AdminClient, topics: Sequence[TopicToCreate], timeout_s: float
) -> list[str]:
    """Create `topics`; return the names created. A topic that appeared meanwhile (another
    synchronizer) counts as done. Any other failure raises `SynchronizerError` naming the
    topic and Kafka's reason."""
    if not topics:
        return []
    new_topics = [
        NewTopic(
            t.name,
            num_partitions=t.partitions,
            replication_factor=t.replication,
            config=dict(t.configs),
        )
        for t in topics
    ]
    futures = admin.create_topics(
        new_topics, operation_timeout=timeout_s, request_timeout=timeout_s
    )
    created: list[str] = []
    failures: list[str] = []
    for name, future in futures.items():
        try:
            future.result(timeout=timeout_s)
            created.append(name)
        except KafkaException as exc:
            error = exc.args[0]
            if isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                continue
            failures.append(f"topic {name}: {error}")
    if failures:
        raise SynchronizerError("creating topics failed: " + "; ".join(failures))
    return sorted(created)


def alter_topic_configs(
    admin: AdminClient, changes: Sequence[ConfigChange], timeout_s: float
) -> list[ConfigChange]:
    """Set each changed config to its new value, one incremental request per topic (the
    topic's other configs stay as they are); return the changes made. Any failure raises
    `SynchronizerError` naming the topic and Kafka's reason, after the others were tried."""
    by_topic: dict[str, list[ConfigChange]] = {}
    for change in changes:
        by_topic.setdefault(change.topic, []).append(change)
    if not by_topic:
        return []
    resources = [
        ConfigResource(
            ConfigResource.Type.TOPIC,
            topic,
            incremental_configs=[
                ConfigEntry(c.key, c.now, incremental_operation=AlterConfigOpType.SET)
                for c in topic_changes
            ],
        )
        for topic, topic_changes in by_topic.items()
    ]
    futures = admin.incremental_alter_configs(resources, request_timeout=timeout_s)
    done: list[ConfigChange] = []
    failures: list[str] = []
    for resource, future in futures.items():
        try:
            future.result(timeout=timeout_s)
        except KafkaException as exc:
            failures.append(f"topic {resource.name}: {exc.args[0]}")
            continue
        done.extend(by_topic[resource.name])
    if failures:
        raise SynchronizerError("setting topic configs failed: " + "; ".join(failures))
    return done
