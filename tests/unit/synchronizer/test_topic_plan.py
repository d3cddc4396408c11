"""Unit tests of `synchronizer.topic_plan`: create what is missing, report drift precisely."""

from __future__ import annotations

from synchronizer.topic_plan import ExistingTopic, plan_topics
from topology.topics import ALL_TOPICS, COMMANDS, HEARTBEAT


def test_empty_cluster_gets_every_topic_with_replication_capped() -> None:
    plan = plan_topics(ALL_TOPICS, {}, brokers=1)
    assert [t.name for t in plan.to_create] == [t.name for t in ALL_TOPICS]
    assert all(t.replication == 1 for t in plan.to_create)
    heartbeat = next(t for t in plan.to_create if t.name == "heartbeat")
    assert heartbeat.configs == {"retention.ms": "900000"}
    assert plan.drift == ()


def test_three_brokers_get_three_replicas_and_min_insync_two() -> None:
    plan = plan_topics([COMMANDS], {}, brokers=3)
    (commands,) = plan.to_create
    assert commands.replication == 3
    assert commands.partitions == 6
    assert commands.configs == {"min.insync.replicas": "2"}


def test_matching_topics_are_up_to_date() -> None:
    existing = {
        "commands": ExistingTopic("commands", 6, 1, {}),
        "heartbeat": ExistingTopic("heartbeat", 1, 1, {"retention.ms": "900000"}),
    }
    plan = plan_topics([COMMANDS, HEARTBEAT], existing, brokers=1)
    assert plan.to_create == ()
    assert plan.up_to_date == ("commands", "heartbeat")
    assert plan.drift == ()


def test_every_difference_is_reported_and_nothing_planned_for_it() -> None:
    existing = {
        "commands": ExistingTopic("commands", 3, 1, {}),
        "heartbeat": ExistingTopic("heartbeat", 1, 1, {"retention.ms": "604800000"}),
    }
    plan = plan_topics([COMMANDS, HEARTBEAT], existing, brokers=3)
    assert plan.to_create == ()
    assert plan.up_to_date == ()
    assert plan.drift == (
        "topic commands: has 3 partitions, topology wants 6",
        "topic commands: has replication factor 1, topology wants 3",
        "topic commands: config min.insync.replicas is None, topology wants '2'",
        "topic heartbeat: has replication factor 1, topology wants 3",
        "topic heartbeat: config min.insync.replicas is None, topology wants '2'",
        "topic heartbeat: config retention.ms is '604800000', topology wants '900000'",
    )
