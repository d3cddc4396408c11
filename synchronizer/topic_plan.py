"""Deciding what to do about topics, without touching Kafka.

Given the wanted topics (from `topology.topics`), what the cluster has, and its broker
count, `plan_topics` says which topics to create (with which partitions, replication and
configs), which configs of existing topics to set back to the topology's values, and
describes every other way an existing topic differs from the wanted one.

Configs are brought back (an upgrade that keeps the history for good must reach topics made
before it). Nothing else is: no topic is ever deleted, and partitions and replication are
only reported. Fewer partitions would lose data; more would move keys to other partitions,
breaking each account's order and the reply-in-the-command's-partition rule; replication
needs a reassignment a person plans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from topology.topics import Topic

__all__ = ["ConfigChange", "ExistingTopic", "TopicPlan", "TopicToCreate", "plan_topics"]

_MIN_INSYNC: Final = "min.insync.replicas"


@dataclass(frozen=True, slots=True)
class ExistingTopic:
    """A topic as the cluster describes it. `configs` holds the values of the configs we
    care about (absent when the broker does not report one)."""

    name: str
    partitions: int
    replication: int
    configs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TopicToCreate:
    """A topic to create, with everything resolved for this cluster."""

    name: str
    partitions: int
    replication: int
    configs: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One topic config to set back to the topology's value; `was` is None when the broker
    reported no value."""

    topic: str
    key: str
    was: str | None
    now: str

    def describe(self) -> str:
        """E.g. `topic commands: retention.ms was '604800000', now '-1'`."""
        return f"topic {self.topic}: {self.key} was {self.was!r}, now {self.now!r}"


@dataclass(frozen=True, slots=True)
class TopicPlan:
    """What to create, which configs to set back, what is already right, and every
    difference left as it is (one line each)."""

    to_create: tuple[TopicToCreate, ...]
    up_to_date: tuple[str, ...]
    drift: tuple[str, ...]
    to_alter: tuple[ConfigChange, ...] = ()


def plan_topics(
    wanted: Sequence[Topic], existing: Mapping[str, ExistingTopic], brokers: int
) -> TopicPlan:
    """Plan the topics for a cluster of `brokers` brokers holding the `existing` topics."""
    to_create: list[TopicToCreate] = []
    up_to_date: list[str] = []
    drift: list[str] = []
    to_alter: list[ConfigChange] = []
    for topic in wanted:
        replication = topic.replication_for(brokers)
        configs = topic.configs_for(brokers)
        found = existing.get(topic.name)
        if found is None:
            to_create.append(TopicToCreate(topic.name, topic.partitions, replication, configs))
            continue
        differences = _differences(topic.partitions, replication, found)
        changes: list[ConfigChange] = []
        for key, value in sorted(configs.items()):
            was = found.configs.get(key)
            if was == value:
                continue
            if key == _MIN_INSYNC and int(value) > found.replication:
                # Would stop every acks=all producer of a topic with fewer replicas.
                differences.append(
                    f"topic {found.name}: config {key} is {was!r}, topology wants {value!r}, "
                    f"more than its {found.replication} replicas"
                )
                continue
            changes.append(ConfigChange(found.name, key, was, value))
        drift.extend(differences)
        to_alter.extend(changes)
        if not differences and not changes:
            up_to_date.append(topic.name)
    return TopicPlan(tuple(to_create), tuple(up_to_date), tuple(drift), tuple(to_alter))


def _differences(partitions: int, replication: int, found: ExistingTopic) -> list[str]:
    differences: list[str] = []
    if found.partitions != partitions:
        differences.append(
            f"topic {found.name}: has {found.partitions} partitions, topology wants {partitions}"
        )
    if found.replication != replication:
        differences.append(
            f"topic {found.name}: has replication factor {found.replication}, "
            f"topology wants {replication}"
        )
    return differences
