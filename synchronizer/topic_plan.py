"""Deciding what to do about topics, without touching Kafka.

Given the wanted topics (from `topology.topics`), what the cluster has, and its broker
count, `plan_topics` says which topics to create (with which partitions, replication and
configs) and describes, precisely, every way an existing topic differs from the wanted one.
Nothing is ever planned for deletion or alteration: an existing topic holds data and may be
used by running apps, so a person decides what to do about drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from topology.topics import Topic

__all__ = ["ExistingTopic", "TopicPlan", "TopicToCreate", "plan_topics"]


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
class TopicPlan:
    """What to create, what is already right, and every difference found (one line each)."""

    to_create: tuple[TopicToCreate, ...]
    up_to_date: tuple[str, ...]
    drift: tuple[str, ...]


def plan_topics(
    wanted: Sequence[Topic], existing: Mapping[str, ExistingTopic], brokers: int
) -> TopicPlan:
    """Plan the topics for a cluster of `brokers` brokers holding the `existing` topics."""
    to_create: list[TopicToCreate] = []
    up_to_date: list[str] = []
    drift: list[str] = []
    for topic in wanted:
        replication = topic.replication_for(brokers)
        configs = topic.configs_for(brokers)
        found = existing.get(topic.name)
        if found is None:
            to_create.append(TopicToCreate(topic.name, topic.partitions, replication, configs))
            continue
        differences = _differences(topic.partitions, replication, configs, found)
        if differences:
            drift.extend(differences)
        else:
            up_to_date.append(topic.name)
    return TopicPlan(tuple(to_create), tuple(up_to_date), tuple(drift))


def _differences(
    partitions: int, replication: int, configs: Mapping[str, str], found: ExistingTopic
) -> list[str]:
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
    for name, value in sorted(configs.items()):
        actual = found.configs.get(name)
        if actual != value:
            differences.append(
                f"topic {found.name}: config {name} is {actual!r}, topology wants {value!r}"
            )
    return differences
