"""Helpers to drive real handler processes on a private corner of the running stack.

Used by the integration tests (through fixtures) and by the benchmark: `Bank` sends
commands to private topics and reads back, read_committed, everything the handler
publishes; `HandlerProcess` runs `python -m command_handler` and can stop it politely
(SIGTERM) or kill it (SIGKILL). Nothing here is imported by the service itself.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import sqlalchemy as sa
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from command_handler.storage.migrate import migrate
from command_handler.topics import HandlerTopics
from topology.clients import admin_config, consumer_config, producer_config, registry_config
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)
from topology.schemas import schema_text
from topology.serde import RecordSerde
from topology.settings import KafkaSettings, RegistrySettings

__all__ = [
    "Bank",
    "Feedback",
    "HandlerProcess",
    "Outputs",
    "PrivateTopics",
    "create_throwaway_database",
    "drop_database",
    "free_port",
    "kafka_settings_from_env",
    "registry_client",
]

Feedback: TypeAlias = (
    AccountCreationConfirmed | AccountCreationFailed | MoneyTransferConfirmed | MoneyTransferFailed
)
_REPO = Path(__file__).resolve().parent.parent


def kafka_settings_from_env(env: Mapping[str, str]) -> KafkaSettings:
    """KafkaSettings from a `stack.env.service_env(...)` mapping (not from os.environ)."""
    return KafkaSettings(
        bootstrap_servers=env["OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS"],
        security_protocol="SSL",
        ssl_ca_location=Path(env["OPEN_BANK_KAFKA_SSL_CA_LOCATION"]),
        ssl_certificate_location=Path(env["OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION"]),
        ssl_key_location=Path(env["OPEN_BANK_KAFKA_SSL_KEY_LOCATION"]),
    )


def registry_client(url: str) -> SchemaRegistryClient:
    """A schema registry client for the Confluent-compatible API at `url`."""
    return SchemaRegistryClient(registry_config(RegistrySettings(url=url)))


def free_port() -> int:
    """A TCP port nobody listens on right now (for a private /metrics)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def create_throwaway_database(admin_database_url: str, prefix: str = "ch_test") -> str:
    """Create and migrate a fresh database; returns its SQLAlchemy URL (same role)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = sa.make_url(admin_database_url).set(database=name).render_as_string(False)
    migrate(url)
    return url


def drop_database(admin_database_url: str, database_url: str) -> None:
    """Drop the database of `database_url`, disconnecting whoever still uses it."""
    name = sa.make_url(database_url).database
    admin = sa.create_engine(admin_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


class PrivateTopics:
    """The handler's topics under a random prefix: created with their subjects registered,
    and deleted (topics and subjects) by `delete()`."""

    def __init__(self, kafka: KafkaSettings, registry_url: str, client_id: str) -> None:
        self.topics = HandlerTopics.with_prefix(f"t{uuid.uuid4().hex[:10]}-")
        self._admin = AdminClient(admin_config(kafka, client_id=client_id))
        self._registry_url = registry_url
        futures = self._admin.create_topics(
            [
                NewTopic(t.name, num_partitions=t.partitions, replication_factor=1)
                for t in self.topics.all
            ]
        )
        for future in futures.values():
            future.result(timeout=30)
        with registry_client(registry_url) as registry:
            for subject, record_type in self._subjects():
                registry.register_schema(subject, Schema(schema_text(record_type), "AVRO"))

    @property
    def prefix(self) -> str:
        """The prefix to give the handler (`OPEN_BANK_COMMAND_HANDLER_TOPIC_PREFIX`)."""
        return self.topics.commands.name.removesuffix("commands")

    def _subjects(self) -> list[tuple[str, type[Any]]]:
        return [(t.subject(r), r) for t in self.topics.all for r in t.record_types]

    def delete(self) -> None:
        """Delete the topics and their registry subjects."""
        names = [t.name for t in self.topics.all]
        for future in self._admin.delete_topics(names).values():
            future.result(timeout=30)
        with registry_client(self._registry_url) as registry:
            for subject, _ in self._subjects():
                registry.delete_subject(subject)
                registry.delete_subject(subject, permanent=True)


@dataclass
class Outputs:
    """Everything published on the private output topics (read_committed), in order.

    `feedback_times_ms` holds, per command id, when its first answer was read (ms since
    the epoch), for latency figures.
    """

    feedback: dict[uuid.UUID, list[Feedback]] = field(default_factory=dict)
    feedback_times_ms: dict[uuid.UUID, float] = field(default_factory=dict)
    balance_changed: list[BalanceChanged] = field(default_factory=list)
    dead_letters: list[Any] = field(default_factory=list)


class Bank:
    """A client of a private handler: sends commands, reads back what it publishes.

    It owns `registry` and closes it in `close()`.
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        registry: SchemaRegistryClient,
        topics: HandlerTopics,
        client_id: str = "tests-command-handler",
    ) -> None:
        self.topics = topics
        self._registry = registry
        self.serde = RecordSerde(registry)
        self.producer = Producer(
            producer_config(kafka, client_id=client_id, overrides={"linger.ms": 5})
        )
        self.consumer = Consumer(
            consumer_config(
                kafka,
                client_id=client_id,
                group_id=f"{client_id}-{uuid.uuid4().hex}",
                overrides={"isolation.level": "read_committed", "enable.auto.commit": False},
            )
        )
        self.consumer.subscribe([t.name for t in topics.all[1:]])
        self.outputs = Outputs()
        self._by_name = {t.name: t for t in topics.all}

    def send(self, *commands: ConfirmAccountCreation | ConfirmMoneyTransfer) -> None:
        """Produce commands, keyed by their id, and wait until the broker has them."""
        for command in commands:
            value = self.serde.serialize(self.topics.commands, command)
            self.send_raw(str(command.id).encode(), value)
        self.producer.flush(30)

    def send_raw(self, key: bytes, value: bytes) -> None:
        """Produce any bytes to the private commands topic (call `producer.flush` after)."""
        while True:
            try:
                self.producer.produce(self.topics.commands.name, key=key, value=value)
                return
            except BufferError:
                self.producer.poll(0.1)

    def poll(self, seconds: float) -> None:
        """Read outputs for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in self.consumer.consume(1000, 0.2):
                if message.error() is not None:
                    continue
                topic = message.topic() or ""
                if topic == self.topics.dead_letter.name:
                    self.outputs.dead_letters.append(message)
                    continue
                record = self.serde.deserialize(self._by_name[topic], message.value() or b"")
                if isinstance(record, BalanceChanged):
                    self.outputs.balance_changed.append(record)
                elif isinstance(
                    record,
                    AccountCreationConfirmed
                    | AccountCreationFailed
                    | MoneyTransferConfirmed
                    | MoneyTransferFailed,
                ):
                    self.outputs.feedback.setdefault(record.id, []).append(record)
                    self.outputs.feedback_times_ms.setdefault(record.id, time.time() * 1000)

    def wait_until(self, done: Callable[[Outputs], bool], timeout_s: float = 60) -> Outputs:
        """Read outputs until `done(outputs)` holds; raise TimeoutError after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while not done(self.outputs):
            if time.monotonic() > deadline:
                answered = len(self.outputs.feedback)
                raise TimeoutError(f"outputs incomplete after {timeout_s} s ({answered} answered)")
            self.poll(0.3)
        return self.outputs

    def close(self) -> None:
        """Leave the consumer group, flush the producer, close the registry client."""
        self.consumer.close()
        self.producer.flush(5)
        self._registry.close()


class HandlerProcess:
    """A real `python -m command_handler` process with the environment `env`."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.env = {"PATH": os.environ.get("PATH", ""), **env}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> HandlerProcess:
        """Start it; its stderr/stdout go to `log_path`."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "command_handler"],
                env=self.env,
                stdout=log,
                stderr=log,
                cwd=_REPO,
            )
        return self

    @property
    def pid(self) -> int:
        """The process id (fails if not started)."""
        if self.process is None:
            raise RuntimeError("handler not started")
        return self.process.pid

    def running(self) -> bool:
        """True while the process lives."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout_s: float = 30) -> int:
        """SIGTERM, then wait for the exit; returns the exit code."""
        if self.process is None:
            raise RuntimeError("handler not started")
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_s)

    def kill(self) -> None:
        """SIGKILL: the batch in flight is neither finished nor closed."""
        if self.process is None:
            raise RuntimeError("handler not started")
        self.process.kill()
        self.process.wait(10)

    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(errors="replace")
