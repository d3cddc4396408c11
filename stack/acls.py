"""Kafka ACLs: what each principal of the bank may do, and applying exactly that at `up`.

The brokers run KRaft's `StandardAuthorizer` with `allow.everyone.if.no.acl.found=false`, so a
principal may do only what a rule below allows. The brokers' own principals (`User:kafka-<n>`)
are the only super users; `apply_acls` connects as broker 1 to create the missing rules and
delete any rule that is not in the plan, so the cluster always holds exactly `acl_plan()`.

Principals are the certificate common names (`CN=backend` → `User:backend`, see
`stack.kafka_config`). Why each service gets what it gets:
- synchronizer: administers topics (create, describe and alter their configs, add
  partitions); it never reads or writes records.
- command-handler: reads `commands` in its group, writes the two feedback topics,
  `balance_changed` and `dead_letter` inside Kafka transactions (ids `command-handler-*`).
- backend: writes `commands`; reads the feedback topics and `balance_changed` in its groups
  (`backend-*`: one live group per instance and the projector's), and `commands` too: the
  Events page shows the history topics, commands included (tokens hidden, docs/security.md).
  For the dashboard's lag it describes the groups `command-handler` and `command-generator`
  and the topic `heartbeat` (committed and end offsets; it cannot join those groups or read
  their records).
- heartbeat: writes `heartbeat`. command-generator: reads `heartbeat` and account feedback,
  writes `commands`, in group `command-generator`.
- bench: reads the consumer groups' committed offsets and the topics' end offsets (lag).
- tests: the test harness; makes private topics, groups and transactions of any name, so it
  has every right on those, but nothing on the cluster beyond creating topics and describing
  (it cannot change ACLs: that is the cluster's ALTER right).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

# The package re-exports these without `__all__`, which mypy --strict does not accept.
from confluent_kafka.admin._acl import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
)
from confluent_kafka.admin._resource import ResourcePatternType, ResourceType

from stack.broker_admin import broker_admin
from stack.certs import broker_name
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    BALANCE_CHANGED,
    COMMANDS,
    DEAD_LETTER,
    HEARTBEAT,
    MONEY_TRANSFER_FEEDBACK,
)

__all__ = [
    "AclChanges",
    "AclRule",
    "acl_plan",
    "apply_acls",
    "is_authorizer_missing",
    "super_users",
]

_TIMEOUT_S = 30.0
_ANY_HOST = "*"
# Kafka's wildcard resource name: a LITERAL `*` matches every resource of the type.
_EVERY = "*"

_COMMANDS = COMMANDS.name
_ACCOUNT_FEEDBACK = ACCOUNT_CREATION_FEEDBACK.name
_TRANSFER_FEEDBACK = MONEY_TRANSFER_FEEDBACK.name
_BALANCE_CHANGED = BALANCE_CHANGED.name
_HEARTBEAT = HEARTBEAT.name
_DEAD_LETTER = DEAD_LETTER.name

_TOPIC = ResourceType.TOPIC
_GROUP = ResourceType.GROUP
_TXN = ResourceType.TRANSACTIONAL_ID
_CLUSTER = ResourceType.BROKER  # librdkafka's name for Kafka's CLUSTER resource
_CLUSTER_NAME = "kafka-cluster"
_LITERAL = ResourcePatternType.LITERAL
_PREFIXED = ResourcePatternType.PREFIXED

_READ = AclOperation.READ
_WRITE = AclOperation.WRITE
_DESCRIBE = AclOperation.DESCRIBE


@dataclass(frozen=True, order=True)
class AclRule:
    """Allow `principal` (`User:<cn>`) to do `operation` on a resource, from any host."""

    principal: str
    resource_type: ResourceType
    name: str
    pattern: ResourcePatternType
    operation: AclOperation

    def binding(self) -> AclBinding:
        """The confluent-kafka binding of this rule."""
        return AclBinding(
            self.resource_type,
            self.name,
            self.pattern,
            self.principal,
            _ANY_HOST,
            self.operation,
            AclPermissionType.ALLOW,
        )

    @classmethod
    def from_binding(cls, binding: AclBinding) -> AclRule | None:
        """The rule of an allow-from-any-host binding; None for any other binding."""
        if binding.permission_type != AclPermissionType.ALLOW or binding.host != _ANY_HOST:
            return None
        # confluent-kafka turns these into enums in AclBinding's constructor; its stubs
        # still say `enum | str | int`.
        if not (
            isinstance(binding.restype, ResourceType)
            and isinstance(binding.resource_pattern_type, ResourcePatternType)
            and isinstance(binding.operation, AclOperation)
        ):
            return None
        return cls(
            binding.principal,
            binding.restype,
            binding.name,
            binding.resource_pattern_type,
            binding.operation,
        )


@dataclass(frozen=True)
class AclChanges:
    """What `apply_acls` did: rules created and rules deleted."""

    created: tuple[AclRule, ...]
    deleted: tuple[str, ...]


def super_users(brokers: int) -> str:
    """The `super.users` value: every broker's principal (inter-broker and controller links)."""
    return ";".join(f"User:{broker_name(node)}" for node in range(1, brokers + 1))


def _rules(
    principal: str,
    resource_type: ResourceType,
    names: Iterable[str],
    operations: Iterable[AclOperation],
    pattern: ResourcePatternType = _LITERAL,
) -> list[AclRule]:
    ops = tuple(operations)
    return [
        AclRule(f"User:{principal}", resource_type, name, pattern, op)
        for name in names
        for op in ops
    ]


def acl_plan() -> frozenset[AclRule]:
    """Every rule the cluster must hold (least privilege per service; see the module doc)."""
    feedback = (_ACCOUNT_FEEDBACK, _TRANSFER_FEEDBACK)
    rules: list[AclRule] = []
    # synchronizer: topic administration only.
    rules += _rules(
        "synchronizer",
        _CLUSTER,
        [_CLUSTER_NAME],
        [_DESCRIBE, AclOperation.CREATE, AclOperation.DESCRIBE_CONFIGS],
    )
    rules += _rules(
        "synchronizer",
        _TOPIC,
        [_EVERY],
        [
            _DESCRIBE,
            AclOperation.CREATE,
            AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER_CONFIGS,
            AclOperation.ALTER,
        ],
    )
    # command handler: read commands; write answers, balances, dead letters transactionally.
    rules += _rules("command-handler", _TOPIC, [_COMMANDS], [_READ, _DESCRIBE])
    rules += _rules(
        "command-handler",
        _TOPIC,
        [*feedback, _BALANCE_CHANGED, _DEAD_LETTER],
        [_WRITE, _DESCRIBE],
    )
    rules += _rules("command-handler", _GROUP, ["command-handler"], [_READ, _DESCRIBE])
    rules += _rules("command-handler", _TXN, ["command-handler-"], [_WRITE, _DESCRIBE], _PREFIXED)
    # backend: write commands; read answers and balance changes in its own groups, and
    # commands for the Events page.
    rules += _rules("backend", _TOPIC, [_COMMANDS], [_WRITE, _READ, _DESCRIBE])
    rules += _rules("backend", _TOPIC, [*feedback, _BALANCE_CHANGED], [_READ, _DESCRIBE])
    rules += _rules("backend", _GROUP, ["backend-"], [_READ, _DESCRIBE], _PREFIXED)
    # backend's dashboard: the lag of the other services' groups (committed offsets only).
    rules += _rules("backend", _GROUP, ["command-handler", "command-generator"], [_DESCRIBE])
    rules += _rules("backend", _TOPIC, [_HEARTBEAT], [_DESCRIBE])
    # heartbeat: write beats.
    rules += _rules("heartbeat", _TOPIC, [_HEARTBEAT], [_WRITE, _DESCRIBE])
    # command generator: read beats and account answers, write commands.
    rules += _rules(
        "command-generator", _TOPIC, [_HEARTBEAT, _ACCOUNT_FEEDBACK], [_READ, _DESCRIBE]
    )
    rules += _rules("command-generator", _TOPIC, [_COMMANDS], [_WRITE, _DESCRIBE])
    rules += _rules("command-generator", _GROUP, ["command-generator"], [_READ, _DESCRIBE])
    # bench: consumer lag = end offsets (topic DESCRIBE) minus committed offsets (group DESCRIBE).
    rules += _rules("bench", _TOPIC, [_EVERY], [_DESCRIBE])
    rules += _rules("bench", _GROUP, [_EVERY], [_DESCRIBE])
    rules += _rules("bench", _GROUP, ["bench-"], [_READ], _PREFIXED)
    # tests: private topics, groups and transactions of any name; no ACL administration.
    rules += _rules(
        "tests",
        _CLUSTER,
        [_CLUSTER_NAME],
        [_DESCRIBE, AclOperation.CREATE, AclOperation.DESCRIBE_CONFIGS],
    )
    rules += _rules("tests", _TOPIC, [_EVERY], [AclOperation.ALL])
    rules += _rules("tests", _GROUP, [_EVERY], [AclOperation.ALL])
    rules += _rules("tests", _TXN, [_EVERY], [AclOperation.ALL])
    return frozenset(rules)


def _current(admin: AdminClient) -> list[AclBinding]:
    # None matches any name, principal and host (the stubs only allow str).
    anything = cast(str, None)
    every = AclBindingFilter(
        ResourceType.ANY,
        anything,
        ResourcePatternType.ANY,
        anything,
        anything,
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    bindings: list[AclBinding] = admin.describe_acls(every, request_timeout=_TIMEOUT_S).result(
        timeout=_TIMEOUT_S
    )
    return bindings


def _as_filter(binding: AclBinding) -> AclBindingFilter:
    return AclBindingFilter(
        binding.restype,
        binding.name,
        binding.resource_pattern_type,
        binding.principal,
        binding.host,
        binding.operation,
        binding.permission_type,
    )


def apply_acls(bootstrap_servers: str, certs_dir: Path) -> AclChanges:
    """Make the cluster's ACLs exactly `acl_plan()`; idempotent (a second run changes nothing).

    Raises `KafkaException` when the cluster refuses, e.g. with `SECURITY_DISABLED` when the
    running brokers were started before the authorizer was configured (restart Kafka).
    """
    admin = broker_admin(bootstrap_servers, certs_dir, "stack-acls")
    wanted = acl_plan()
    current = _current(admin)
    present = {AclRule.from_binding(binding) for binding in current}
    missing = sorted(wanted - present)
    if missing:
        futures = admin.create_acls(
            [rule.binding() for rule in missing], request_timeout=_TIMEOUT_S
        )
        for future in futures.values():
            future.result(timeout=_TIMEOUT_S)
    # Anything not planned goes, including deny rules and per-host rules made by hand.
    extra = [binding for binding in current if AclRule.from_binding(binding) not in wanted]
    if extra:
        deletions = admin.delete_acls(
            [_as_filter(binding) for binding in extra], request_timeout=_TIMEOUT_S
        )
        for deletion in deletions.values():
            deletion.result(timeout=_TIMEOUT_S)
    return AclChanges(created=tuple(missing), deleted=tuple(str(binding) for binding in extra))


def is_authorizer_missing(error: KafkaException) -> bool:
    """True when the broker has no authorizer (it answers SECURITY_DISABLED)."""
    first = error.args[0] if error.args else None
    return isinstance(first, KafkaError) and first.code() == KafkaError.SECURITY_DISABLED
