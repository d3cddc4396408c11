"""Reading an `Observation` from the real stores of one stack: Kafka, both databases.

Topics are read from the beginning with `read_committed` (what every consumer of the bank
sees) until every partition reports its end; the handler's `balance` and `balance_change`
tables and the backend's `transactions` table are read as they are. Consumer lag is
counted in committed *data* messages: transactional topics end with a commit marker that
no consumer ever "consumes", so `high watermark - committed offset` would overstate it.

A transaction left open hides everything written after it from every `read_committed`
reader, this one included: the group waiting behind it shows no lag. So a quiet bank also
has no open transaction, read as a partition whose end read committed (its last stable
offset) is short of its end read uncommitted.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    IsolationLevel,
    KafkaError,
    TopicPartition,
)
from confluent_kafka import admin as kafka_admin
from confluent_kafka.admin import AdminClient

from bench.stack_access import kafka_settings_from_env, registry_client
from stack.env import service_env
from stack.layout import StackLayout
from tests.support.faults.observation import (
    BackendRow,
    ChangeEvent,
    CommandSeen,
    FeedbackSeen,
    LedgerRow,
    Observation,
)
from topology.clients import admin_config, consumer_config
from topology.iban import COMPANY_IBAN
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)
from topology.serde import RecordSerde
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    BALANCE_CHANGED,
    COMMANDS,
    MONEY_TRANSFER_FEEDBACK,
    Topic,
)

__all__ = [
    "COMPANY_START_CENTS",
    "GROUPS",
    "TRANSACTIONAL_TOPICS",
    "StoreReader",
    "read_observation",
]

#: The company account's opening balance (cents), as the handler's first migration seeds it.
COMPANY_START_CENTS = 10**17

#: The consumer groups whose lag must return to 0, and the topics each consumes.
GROUPS: Mapping[str, tuple[Topic, ...]] = {
    "command-handler": (COMMANDS,),
    "backend-projector": (BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK),
    "command-generator": (ACCOUNT_CREATION_FEEDBACK,),
}
#: The topics the command handler writes in Kafka transactions.
TRANSACTIONAL_TOPICS: tuple[Topic, ...] = (
    ACCOUNT_CREATION_FEEDBACK,
    MONEY_TRANSFER_FEEDBACK,
    BALANCE_CHANGED,
)
_READ_TIMEOUT_S = 300.0
_ADMIN_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class _Message:
    topic: str
    partition: int
    offset: int
    value: bytes


class StoreReader:
    """Reads topics, consumer offsets and tables of the stack at `layout`."""

    def __init__(self, layout: StackLayout) -> None:
        env = service_env("tests", layout)
        self._kafka = kafka_settings_from_env(env)
        self._registry_url = env["OPEN_BANK_SCHEMA_REGISTRY_URL"]
        self._handler_url = service_env("command-handler", layout)["OPEN_BANK_DATABASE_URL"]
        self._backend_url = service_env("backend", layout)["OPEN_BANK_DATABASE_URL"]
        self._admin: AdminClient | None = None

    def _consumer(self, group: str, **overrides: Any) -> Any:
        config = consumer_config(
            self._kafka,
            client_id="faults-reader",
            group_id=group,
            overrides={
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                **overrides,
            },
        )
        return Consumer(dict(config))

    def _read_to_end(self, assignment: list[TopicPartition]) -> list[_Message]:
        """Every committed data message from each partition's given offset to its end."""
        if not assignment:
            return []
        consumer = self._consumer(f"faults-reader-{uuid.uuid4().hex}")
        try:
            consumer.assign(assignment)
            pending = {(tp.topic, tp.partition) for tp in assignment}
            messages: list[_Message] = []
            deadline = time.monotonic() + _READ_TIMEOUT_S
            while pending:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"partitions not read to the end: {sorted(pending)}")
                for message in consumer.consume(5000, 0.5):
                    error = message.error()
                    if error is not None:
                        if error.code() == KafkaError._PARTITION_EOF:
                            pending.discard((message.topic(), message.partition()))
                            continue
                        raise RuntimeError(f"reading {message.topic()}: {error}")
                    messages.append(
                        _Message(
                            message.topic(),
                            message.partition(),
                            message.offset(),
                            message.value() or b"",
                        )
                    )
            return messages
        finally:
            consumer.close()

    def read_topics(self, topics: Iterable[Topic]) -> list[_Message]:
        """Every committed data message of `topics`, in partition order."""
        return self._read_to_end(
            [
                TopicPartition(topic.name, partition, OFFSET_BEGINNING)
                for topic in topics
                for partition in range(topic.partitions)
            ]
        )

    def open_transactions(self) -> dict[str, int]:
        """Per `topic[partition]` with a transaction open: the messages past its last stable
        offset, which no `read_committed` reader sees until the transaction ends."""
        if self._admin is None:
            self._admin = AdminClient(dict(admin_config(self._kafka, client_id="faults-reader")))
        admin = self._admin
        # OffsetSpec is public but missing from confluent_kafka.admin's __all__ (and untyped).
        latest = kafka_admin.OffsetSpec.latest()  # type: ignore[attr-defined, no-untyped-call]
        wanted = {
            TopicPartition(topic.name, p): latest
            for topic in TRANSACTIONAL_TOPICS
            for p in range(topic.partitions)
        }
        ends = {}
        for level in (IsolationLevel.READ_COMMITTED, IsolationLevel.READ_UNCOMMITTED):
            futures = admin.list_offsets(
                wanted, isolation_level=level, request_timeout=_ADMIN_TIMEOUT_S
            )
            ends[level] = {
                f"{tp.topic}[{tp.partition}]": future.result().offset
                for tp, future in futures.items()
            }
        stable, written = ends[IsolationLevel.READ_COMMITTED], ends[IsolationLevel.READ_UNCOMMITTED]
        return {
            name: written[name] - stable[name] for name in stable if stable[name] < written[name]
        }

    def lag(self, groups: Mapping[str, tuple[Topic, ...]] = GROUPS) -> dict[str, int]:
        """Committed data messages each group has not consumed, per `group topic[partition]`."""
        lag: dict[str, int] = {}
        for group, topics in groups.items():
            partitions = [
                TopicPartition(topic.name, p) for topic in topics for p in range(topic.partitions)
            ]
            probe = self._consumer(group)
            try:
                committed = probe.committed(partitions, timeout=30)
            finally:
                probe.close()
            start = [
                TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0)
                for tp in committed
            ]
            for tp in start:
                lag[f"{group} {tp.topic}[{tp.partition}]"] = 0
            for message in self._read_to_end(start):
                lag[f"{group} {message.topic}[{message.partition}]"] += 1
        return lag

    def read_tables(self, seen: Observation) -> None:
        """Fill `balances`, `ledger` and `backend_rows` of `seen` from both databases."""
        handler = sa.create_engine(self._handler_url, poolclass=sa.pool.NullPool)
        try:
            with handler.connect() as connection:
                seen.balances = {
                    row.iban: int(row.amount)
                    for row in connection.execute(sa.text("SELECT iban, amount FROM balance"))
                }
                seen.ledger = [
                    LedgerRow(
                        row.iban, row.new_balance, row.changed_by, row.from_to, row.description
                    )
                    for row in connection.execute(
                        sa.text(
                            "SELECT iban, new_balance, changed_by, from_to, description"
                            " FROM balance_change"
                        )
                    )
                ]
        finally:
            handler.dispose()
        backend = sa.create_engine(self._backend_url, poolclass=sa.pool.NullPool)
        try:
            with backend.connect() as connection:
                seen.backend_rows = [
                    BackendRow(
                        row.id,
                        row.iban,
                        row.new_balance,
                        row.changed_by,
                        row.from_to,
                        row.description,
                    )
                    for row in connection.execute(
                        sa.text(
                            "SELECT id, iban, new_balance, changed_by, from_to, description"
                            " FROM transactions"
                        )
                    )
                ]
        finally:
            backend.dispose()

    def observe(self) -> Observation:
        """Lag and open transactions first, then topics, then tables: on a quiet bank all
        three agree."""
        seen = Observation(
            change_partitions=BALANCE_CHANGED.partitions,
            start_balances={COMPANY_IBAN: COMPANY_START_CENTS},
        )
        seen.lag = self.lag()
        seen.open_transactions = self.open_transactions()
        registry = registry_client(self._registry_url)
        try:
            serde = RecordSerde(registry)
            by_name = {
                t.name: t
                for t in (
                    COMMANDS,
                    ACCOUNT_CREATION_FEEDBACK,
                    MONEY_TRANSFER_FEEDBACK,
                    BALANCE_CHANGED,
                )
            }
            for message in self.read_topics(by_name.values()):
                _add(seen, message, serde.deserialize(by_name[message.topic], message.value))
        finally:
            registry.close()
        self.read_tables(seen)
        return seen


def _add(seen: Observation, message: _Message, record: object) -> None:
    if isinstance(record, ConfirmMoneyTransfer):
        seen.commands.append(
            CommandSeen(
                record.id,
                True,
                record.from_,
                record.to,
                record.amount,
                message.partition,
                message.offset,
            )
        )
    elif isinstance(record, ConfirmAccountCreation):
        seen.commands.append(
            CommandSeen(record.id, False, partition=message.partition, offset=message.offset)
        )
    elif isinstance(record, AccountCreationConfirmed):
        seen.feedback.append(FeedbackSeen(record.id, True, record.iban))
    elif isinstance(record, MoneyTransferConfirmed):
        seen.feedback.append(FeedbackSeen(record.id, True))
    elif isinstance(record, AccountCreationFailed | MoneyTransferFailed):
        seen.feedback.append(FeedbackSeen(record.id, False))
    elif isinstance(record, BalanceChanged):
        seen.changes.append(
            ChangeEvent(
                message.partition,
                message.offset,
                record.iban,
                record.new_balance,
                record.changed_by,
                record.from_to,
                record.description,
                record.decided,
            )
        )


def read_observation(layout: StackLayout) -> Observation:
    """Everything the checks need, read from the stack at `layout`."""
    return StoreReader(layout).observe()
