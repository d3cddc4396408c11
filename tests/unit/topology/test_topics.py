"""Unit tests of `topology.topics`: names, partitions, configs, subjects."""

from __future__ import annotations

import pytest

from topology.records import RECORD_TYPES, BalanceChanged, ConfirmAccountCreation, Heartbeat
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    ALL_TOPICS,
    BALANCE_CHANGED,
    COMMANDS,
    DEAD_LETTER,
    HEARTBEAT,
    HISTORY_TOPICS,
    MONEY_TRANSFER_FEEDBACK,
    subject_name,
    topic_by_name,
)


def test_topic_names_are_those_of_the_spec() -> None:
    assert [t.name for t in ALL_TOPICS] == [
        "commands",
        "account_creation_feedback",
        "money_transfer_feedback",
        "balance_changed",
        "heartbeat",
        "dead_letter",
    ]


def test_every_record_type_travels_on_exactly_one_topic() -> None:
    carried = [t for topic in ALL_TOPICS for t in topic.record_types]
    assert sorted(carried, key=lambda t: t.AVRO_NAME) == sorted(
        RECORD_TYPES, key=lambda t: t.AVRO_NAME
    )


def test_handler_topics_let_several_instances_share_the_load() -> None:
    for topic in (COMMANDS, ACCOUNT_CREATION_FEEDBACK, MONEY_TRANSFER_FEEDBACK, BALANCE_CHANGED):
        assert topic.partitions == 6
    assert HEARTBEAT.partitions == 1
    assert DEAD_LETTER.partitions == 1
    assert DEAD_LETTER.record_types == ()


@pytest.mark.parametrize(("brokers", "replication"), [(1, 1), (2, 2), (3, 3), (5, 3)])
def test_replication_follows_the_cluster(brokers: int, replication: int) -> None:
    assert COMMANDS.replication_for(brokers) == replication


def test_min_insync_replicas_only_with_three_replicas() -> None:
    assert "min.insync.replicas" not in COMMANDS.configs_for(1)
    assert "min.insync.replicas" not in COMMANDS.configs_for(2)
    assert COMMANDS.configs_for(3)["min.insync.replicas"] == "2"


def test_heartbeat_keeps_fifteen_minutes() -> None:
    assert HEARTBEAT.configs_for(1) == {"retention.ms": "900000"}


def test_the_history_is_kept_for_good_and_nothing_else_is() -> None:
    assert [t.name for t in HISTORY_TOPICS] == [
        "commands",
        "account_creation_feedback",
        "money_transfer_feedback",
        "balance_changed",
    ]
    for topic in HISTORY_TOPICS:
        assert topic.configs_for(1) == {"retention.ms": "-1", "retention.bytes": "-1"}
    assert HEARTBEAT not in HISTORY_TOPICS
    assert DEAD_LETTER.configs_for(1) == {}


def test_replication_needs_a_broker() -> None:
    with pytest.raises(ValueError, match="at least one broker"):
        COMMANDS.replication_for(0)


def test_subjects_follow_topic_record_name_strategy() -> None:
    assert COMMANDS.subjects == (
        "commands-nl.openweb.data.ConfirmAccountCreation",
        "commands-nl.openweb.data.ConfirmMoneyTransfer",
    )
    assert subject_name("balance_changed", BalanceChanged) == (
        "balance_changed-nl.openweb.data.BalanceChanged"
    )


def test_carries_and_lookup_by_name() -> None:
    assert COMMANDS.carries(ConfirmAccountCreation)
    assert not COMMANDS.carries(Heartbeat)
    assert topic_by_name("heartbeat") is HEARTBEAT
    assert topic_by_name("nope") is None
