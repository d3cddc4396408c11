"""The ACL plan gives each principal what its service needs and nothing more (no I/O)."""

from __future__ import annotations

from pathlib import Path

import pytest
from confluent_kafka.admin._acl import AclOperation
from confluent_kafka.admin._resource import ResourcePatternType, ResourceType

from backend.kafka.history_reader import HISTORY_TOPICS
from stack.acls import AclRule, acl_plan, super_users
from stack.certs import CLIENT_PRINCIPALS
from stack.kafka_config import KafkaNode, render_server_properties
from stack.ports import Ports
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    ALL_TOPICS,
    BALANCE_CHANGED,
    COMMANDS,
    DEAD_LETTER,
    HEARTBEAT,
    MONEY_TRANSFER_FEEDBACK,
    Topic,
)

READ, WRITE = AclOperation.READ, AclOperation.WRITE
TOPIC = ResourceType.TOPIC


def _topic_ops(principal: str) -> dict[str, set[AclOperation]]:
    """Operation per topic name that `principal` is granted (literal rules)."""
    granted: dict[str, set[AclOperation]] = {}
    for rule in acl_plan():
        if rule.principal == f"User:{principal}" and rule.resource_type == TOPIC:
            granted.setdefault(rule.name, set()).add(rule.operation)
    return granted


def _reads_and_writes(principal: str) -> tuple[set[str], set[str]]:
    ops = _topic_ops(principal)
    return (
        {name for name, granted in ops.items() if READ in granted},
        {name for name, granted in ops.items() if WRITE in granted},
    )


@pytest.mark.parametrize(
    ("principal", "reads", "writes"),
    [
        (
            "backend",
            # commands too: the Events page shows the history topics.
            {COMMANDS, ACCOUNT_CREATION_FEEDBACK, MONEY_TRANSFER_FEEDBACK, BALANCE_CHANGED},
            {COMMANDS},
        ),
        (
            "command-handler",
            {COMMANDS},
            {ACCOUNT_CREATION_FEEDBACK, MONEY_TRANSFER_FEEDBACK, BALANCE_CHANGED, DEAD_LETTER},
        ),
        ("heartbeat", set(), {HEARTBEAT}),
        ("command-generator", {HEARTBEAT, ACCOUNT_CREATION_FEEDBACK}, {COMMANDS}),
        ("synchronizer", set(), set()),
        ("bench", set(), set()),
    ],
)
def test_each_service_reads_and_writes_exactly_its_topics(
    principal: str, reads: set[Topic], writes: set[Topic]
) -> None:
    got_reads, got_writes = _reads_and_writes(principal)
    assert got_reads == {topic.name for topic in reads}
    assert got_writes == {topic.name for topic in writes}


def test_the_issue_s_two_refusals_are_in_the_plan() -> None:
    _reads, writes = _reads_and_writes("backend")
    assert BALANCE_CHANGED.name not in writes
    generator_reads, _writes = _reads_and_writes("command-generator")
    assert COMMANDS.name not in generator_reads


def test_the_backend_reads_the_history_topics_for_the_events_page() -> None:
    reads, _writes = _reads_and_writes("backend")
    assert {topic.name for topic in HISTORY_TOPICS} <= reads


def test_only_brokers_are_super_users_and_no_app_may_alter_the_cluster() -> None:
    assert super_users(3) == "User:kafka-1;User:kafka-2;User:kafka-3"
    for rule in acl_plan():
        if rule.resource_type == ResourceType.BROKER:  # Kafka's CLUSTER resource
            # ALTER on the cluster is what creating and deleting ACLs needs.
            assert rule.operation not in {AclOperation.ALTER, AclOperation.ALL}, rule


def test_every_principal_is_one_the_stack_makes_a_certificate_for() -> None:
    principals = {rule.principal.removeprefix("User:") for rule in acl_plan()}
    assert principals == set(CLIENT_PRINCIPALS)


def test_every_literal_topic_is_a_topology_topic_or_the_wildcard() -> None:
    names = {topic.name for topic in ALL_TOPICS} | {"*"}
    for rule in acl_plan():
        if rule.resource_type == TOPIC and rule.pattern == ResourcePatternType.LITERAL:
            assert rule.name in names, rule


def test_rules_round_trip_through_confluent_bindings() -> None:
    for rule in acl_plan():
        assert AclRule.from_binding(rule.binding()) == rule


def test_the_broker_runs_the_standard_authorizer_denying_by_default(tmp_path: Path) -> None:
    node = KafkaNode(1, 3, tmp_path / "data", tmp_path / "certs")
    properties = dict(
        line.split("=", 1)
        for line in render_server_properties(node, Ports(0)).splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert (
        properties["authorizer.class.name"]
        == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    )
    assert properties["allow.everyone.if.no.acl.found"] == "false"
    assert properties["super.users"] == super_users(3)
    assert properties["listener.security.protocol.map"] == "SSL:SSL,CONTROLLER:SSL"
    assert properties["ssl.client.auth"] == "required"
