"""Unit tests of `synchronizer.topic_plan`: create what is missing, set drifted configs back,
report the rest of the drift precisely."""

from __future__ import annotations

from synchronizer.topic_plan import ConfigChange, ExistingTopic, plan_topics
from topology.topics import ALL_TOPICS, BALANCE_CHANGED, COMMANDS, HEARTBEAT

_FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}


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
    assert commands.configs == {**_FOREVER, "min.insync.replicas": "2"}


def test_matching_topics_are_up_to_date() -> None:
    existing = {
        "commands": ExistingTopic("commands", 6, 1, _FOREVER),
        "heartbeat": ExistingTopic("heartbeat", 1, 1, {"retention.ms": "900000"}),
    }
    plan = plan_topics([COMMANDS, HEARTBEAT], existing, brokers=1)
    assert plan.to_create == ()
    assert plan.up_to_date == ("commands", "heartbeat")
    assert plan.drift == ()
    assert plan.to_alter == ()


def test_partitions_and_replication_are_reported_and_configs_set_back() -> None:
    existing = {
        "commands": ExistingTopic("commands", 3, 3, _FOREVER),
        "heartbeat": ExistingTopic("heartbeat", 1, 1, {"retention.ms": "604800000"}),
    }
    plan = plan_topics([COMMANDS, HEARTBEAT], existing, brokers=3)
    assert plan.to_create == ()
    assert plan.up_to_date == ()
    assert plan.drift == (
        "topic commands: has 3 partitions, topology wants 6",
        "topic heartbeat: has replication factor 1, topology wants 3",
        "topic heartbeat: config min.insync.replicas is None, topology wants '2', "
        "more than its 1 replicas",
    )
    assert plan.to_alter == (
        ConfigChange("commands", "min.insync.replicas", None, "2"),
        ConfigChange("heartbeat", "retention.ms", "604800000", "900000"),
    )


def test_a_topic_made_before_the_history_was_kept_gets_unlimited_retention() -> None:
    # What a stack made before retention was declared reports: the broker's defaults.
    existing = {
        "balance_changed": ExistingTopic(
            "balance_changed", 6, 1, {"retention.ms": "604800000", "retention.bytes": "-1"}
        )
    }
    plan = plan_topics([BALANCE_CHANGED], existing, brokers=1)
    assert plan.drift == ()
    assert plan.to_alter == (ConfigChange("balance_changed", "retention.ms", "604800000", "-1"),)
    assert plan.to_alter[0].describe() == (
        "topic balance_changed: retention.ms was '604800000', now '-1'"
    )


def test_more_partitions_than_wanted_are_reported_never_planned_away() -> None:
    existing = {"commands": ExistingTopic("commands", 12, 1, _FOREVER)}
    plan = plan_topics([COMMANDS], existing, brokers=1)
    assert plan.drift == ("topic commands: has 12 partitions, topology wants 6",)
    assert plan.to_create == ()
    assert plan.to_alter == ()
