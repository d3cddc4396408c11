"""Every Kafka topic of open-bank: name, partitions, replication, configs, key, record types.

This module is the only place that spells a topic name. The synchronizer creates topics from
it; apps pass `Topic` objects to the serde and to their producers and consumers.

Partition counts: the original used 1 partition for account topics and 9 for transfer
topics. Here `commands` carries both command kinds, and every topic the command handler
reads or writes has 6 partitions, so 2, 3 or 6 handler (and backend) instances share the
load evenly. Keys are plain UTF-8 strings (not registry-framed): the command id for
commands and their feedback (a reply lands in the same partition number as its command),
the iban for `balance_changed` (all changes of one account stay in order). `heartbeat` has
one producer and one consumer and wants its beats in order, so it has one partition.

Replication follows the cluster (see `Topic.replication_for`): 3 on a 3-broker cluster with
`min.insync.replicas=2`, so one broker may fail without losing an acknowledged write; 1 on the
single-broker local stack.

The history topics (`HISTORY_TOPICS`: commands, both feedback topics, balance_changed) are the
bank's event log, kept for good (`retention.ms=-1`, `retention.bytes=-1`): the read models
are rebuilt from them. `heartbeat` only shows the load is alive and keeps 15 minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    Heartbeat,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
    Record,
    full_name,
)

__all__ = [
    "ACCOUNT_CREATION_FEEDBACK",
    "ALL_TOPICS",
    "BALANCE_CHANGED",
    "COMMANDS",
    "DEAD_LETTER",
    "HEARTBEAT",
    "HISTORY_TOPICS",
    "MONEY_TRANSFER_FEEDBACK",
    "Topic",
    "subject_name",
    "topic_by_name",
]

_FULL_REPLICATION: Final = 3
_MIN_INSYNC_WHEN_REPLICATED: Final = 2
_HEARTBEAT_RETENTION_MS: Final = 15 * 60 * 1000  # the original's 15 minutes
# Kafka's "never delete by age or by size": the event log is the bank's history.
_KEPT_FOREVER: Final[Mapping[str, str]] = {"retention.ms": "-1", "retention.bytes": "-1"}


def subject_name(topic_name: str, record_type: type[Record]) -> str:
    """The registry subject of a record on a topic (TopicRecordNameStrategy):
    `<topic>-nl.openweb.data.<Record>`."""
    return f"{topic_name}-{full_name(record_type)}"


@dataclass(frozen=True)
class Topic:
    """One Kafka topic and what it may carry.

    `replication` is the wanted replication factor; the synchronizer caps it at the number
    of brokers (`replication_for`). `configs` are the topic-level configs the synchronizer
    sets and checks for drift; anything not named keeps the broker default.
    An empty `record_types` means raw bytes (the dead-letter topic).
    """

    name: str
    partitions: int
    key: str
    record_types: tuple[type[Record], ...]
    configs: Mapping[str, str] = field(default_factory=dict, hash=False)
    replication: int = _FULL_REPLICATION

    def replication_for(self, brokers: int) -> int:
        """The replication factor on a cluster of `brokers` brokers: min(wanted, brokers)."""
        if brokers < 1:
            raise ValueError(f"a cluster has at least one broker, got {brokers}")
        return min(self.replication, brokers)

    def configs_for(self, brokers: int) -> dict[str, str]:
        """The topic configs on a cluster of `brokers` brokers.

        `min.insync.replicas=2` only when the topic has 3 replicas: with fewer, a single
        failed broker would stop every `acks=all` producer.
        """
        configs = dict(self.configs)
        if self.replication_for(brokers) >= _FULL_REPLICATION:
            configs["min.insync.replicas"] = str(_MIN_INSYNC_WHEN_REPLICATED)
        return configs

    def carries(self, record_type: type[Record]) -> bool:
        """True when records of `record_type` may be written to this topic."""
        return record_type in self.record_types

    def subject(self, record_type: type[Record]) -> str:
        """The registry subject of `record_type` on this topic."""
        return subject_name(self.name, record_type)

    @property
    def subjects(self) -> tuple[str, ...]:
        """Every registry subject of this topic, one per record type."""
        return tuple(self.subject(t) for t in self.record_types)


COMMANDS: Final = Topic(
    name="commands",
    partitions=6,
    key="command id (uuid string, lower case)",
    record_types=(ConfirmAccountCreation, ConfirmMoneyTransfer),
    configs=_KEPT_FOREVER,
)
ACCOUNT_CREATION_FEEDBACK: Final = Topic(
    name="account_creation_feedback",
    partitions=6,
    key="command id (uuid string, lower case)",
    record_types=(AccountCreationConfirmed, AccountCreationFailed),
    configs=_KEPT_FOREVER,
)
MONEY_TRANSFER_FEEDBACK: Final = Topic(
    name="money_transfer_feedback",
    partitions=6,
    key="command id (uuid string, lower case)",
    record_types=(MoneyTransferConfirmed, MoneyTransferFailed),
    configs=_KEPT_FOREVER,
)
BALANCE_CHANGED: Final = Topic(
    name="balance_changed",
    partitions=6,
    key="iban",
    record_types=(BalanceChanged,),
    configs=_KEPT_FOREVER,
)
HEARTBEAT: Final = Topic(
    name="heartbeat",
    partitions=1,
    key="time the beat was sent (ISO 8601 string)",
    record_types=(Heartbeat,),
    configs={"retention.ms": str(_HEARTBEAT_RETENTION_MS)},
)
DEAD_LETTER: Final = Topic(
    name="dead_letter",
    partitions=1,
    key="the original message's key bytes",
    record_types=(),
)
"""Messages that could not be decoded or decided: the original key and value bytes, and
the reason and origin in headers (see `topology.dead_letter`)."""

ALL_TOPICS: Final[tuple[Topic, ...]] = (
    COMMANDS,
    ACCOUNT_CREATION_FEEDBACK,
    MONEY_TRANSFER_FEEDBACK,
    BALANCE_CHANGED,
    HEARTBEAT,
    DEAD_LETTER,
)
"""Every topic open-bank uses; the synchronizer creates exactly these."""

HISTORY_TOPICS: Final[tuple[Topic, ...]] = (
    COMMANDS,
    ACCOUNT_CREATION_FEEDBACK,
    MONEY_TRANSFER_FEEDBACK,
    BALANCE_CHANGED,
)
"""The event log: every command, every answer and every balance change, kept for good."""

_BY_NAME: Final[dict[str, Topic]] = {t.name: t for t in ALL_TOPICS}


def topic_by_name(name: str) -> Topic | None:
    """The topic called `name`, or None when open-bank has no such topic."""
    return _BY_NAME.get(name)
