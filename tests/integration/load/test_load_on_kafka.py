"""Heartbeat and command generator against the shared stack's real Kafka and registry.

Each test uses topics of its own (created and registered by the synchronizer's code), so
the running stack's services never see these beats and commands.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient

from bench.private_topics import delete_private_topics
from load.generator.commands import GeneratorState
from load.generator.mix import GeneratedAccount
from load.generator.service import GeneratorLoop, GeneratorTopics
from load.heartbeat.control import LoadControl, LoadSetting
from load.heartbeat.sender import HeartbeatSender
from synchronizer.run import synchronize
from synchronizer.settings import SynchronizerSettings
from tests.support.company import COMPANY_TEST_TOKEN
from topology.clients import consumer_config, producer_config, registry_config
from topology.iban import COMPANY_IBAN
from topology.records import (
    AccountCreationConfirmed,
    Atype,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    Heartbeat,
    Record,
)
from topology.serde import RecordSerde
from topology.settings import KafkaSettings, RegistrySettings
from topology.topics import ACCOUNT_CREATION_FEEDBACK, COMMANDS, HEARTBEAT, Topic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kafka(stack_env: dict[str, str]) -> KafkaSettings:
    prefix = "OPEN_BANK_KAFKA_"
    fields = {
        k.removeprefix(prefix).lower(): v for k, v in stack_env.items() if k.startswith(prefix)
    }
    return KafkaSettings.model_validate(fields)


@pytest.fixture(scope="module")
def registry(registry_url: str) -> RegistrySettings:
    return RegistrySettings(url=registry_url)


@pytest.fixture
def serde(registry: RegistrySettings) -> Iterator[RecordSerde]:
    with SchemaRegistryClient(registry_config(registry)) as client:
        yield RecordSerde(client)


@pytest.fixture
def topics(kafka: KafkaSettings, registry: RegistrySettings) -> Iterator[GeneratorTopics]:
    """Private copies of heartbeat, account_creation_feedback and commands."""
    suffix = uuid.uuid4().hex[:10]
    own = GeneratorTopics(
        heartbeat=dataclasses.replace(HEARTBEAT, name=f"test_load_hb_{suffix}"),
        feedback=dataclasses.replace(ACCOUNT_CREATION_FEEDBACK, name=f"test_load_acf_{suffix}"),
        commands=dataclasses.replace(COMMANDS, name=f"test_load_cmd_{suffix}", partitions=1),
    )
    created = [own.heartbeat, own.feedback, own.commands]
    synchronize(created, kafka, registry, SynchronizerSettings(attempts=2))
    yield own
    delete_private_topics(kafka, registry, created, client_id="tests-cleanup")


def _read(
    kafka: KafkaSettings, serde: RecordSerde, topic: Topic, count: int, timeout_s: float = 30
) -> list[Record]:
    consumer = Consumer(
        consumer_config(kafka, client_id="tests", group_id=f"tests-{uuid.uuid4().hex}")
    )
    consumer.subscribe([topic.name])
    records: list[Record] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(records) < count and time.monotonic() < deadline:
            message = consumer.poll(1)
            if message is None:
                continue
            assert message.error() is None, message.error()
            value = message.value()
            assert value is not None
            records.append(serde.deserialize(topic, value))
    finally:
        consumer.close()
    return records


def test_heartbeat_sends_numbered_batches_at_the_asked_rate(
    kafka: KafkaSettings, serde: RecordSerde, topics: GeneratorTopics
) -> None:
    producer = Producer(producer_config(kafka, client_id="tests"))
    control = LoadControl(LoadSetting(batch_size=20, sleep_ms=100))  # 200 msg/s

    def serialize(beat: Heartbeat) -> bytes:
        return serde.serialize(topics.heartbeat, beat)

    sender = HeartbeatSender(producer, serialize, control, topic=topics.heartbeat)

    async def send_for_one_second() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run(stop))
        await asyncio.sleep(1.0)
        stop.set()
        await task

    asyncio.run(send_for_one_second())
    assert producer.flush(10) == 0
    producer.poll(0)
    produced = control.next_beat
    # 11 batches are due in [0, 1 s]; a loaded machine may fit fewer, never more.
    assert 100 <= produced <= 220
    assert (control.delivered, control.failed) == (produced, 0)
    beats = _read(kafka, serde, topics.heartbeat, produced)
    assert beats == [Heartbeat(beat=n) for n in range(produced)]


def test_generator_opens_accounts_pays_salaries_and_spends(
    kafka: KafkaSettings, serde: RecordSerde, topics: GeneratorTopics
) -> None:
    producer = Producer(producer_config(kafka, client_id="tests"))
    consumer = Consumer(
        consumer_config(
            kafka,
            client_id="tests",
            group_id=f"tests-{uuid.uuid4().hex}",
            store_offsets_after_processing=False,
        )
    )
    # No handler reads these private topics: a test token stands in for the company's.
    company = GeneratedAccount(iban=COMPANY_IBAN, token=COMPANY_TEST_TOKEN)
    state = GeneratorState(company=company, rng=random.Random(5))
    loop = GeneratorLoop(consumer, producer, serde, state, topics)
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,))
    thread.start()
    try:
        # Beats 0-2 open accounts; the handler's feedback is played by this test.
        for beat in range(3):
            value = serde.serialize(topics.heartbeat, Heartbeat(beat=beat))
            producer.produce(topics.heartbeat.name, value=value, key=b"t")
        confirmed = AccountCreationConfirmed(
            id=uuid.uuid4(), iban="NL31OPEN0123456789", token="5" * 20, a_type=Atype.AUTO
        )
        value = serde.serialize(topics.feedback, confirmed)
        producer.produce(topics.feedback.name, value=value, key=b"t")
        assert producer.flush(10) == 0
        # Beats and feedback are on different topics, so their order is not kept: wait for
        # the salary before sending beats that should spend from the new account.
        assert len(_read(kafka, serde, topics.commands, 3 + 1)) == 3 + 1
        for beat in range(21, 121):
            value = serde.serialize(topics.heartbeat, Heartbeat(beat=beat))
            producer.produce(topics.heartbeat.name, value=value, key=b"t")
        assert producer.flush(10) == 0
        commands = _read(kafka, serde, topics.commands, 3 + 1 + 100)
    finally:
        stop.set()
        thread.join(10)
        consumer.close()
    openings = [c for c in commands if isinstance(c, ConfirmAccountCreation)]
    transfers = [c for c in commands if isinstance(c, ConfirmMoneyTransfer)]
    assert len(openings) == 3
    assert all(c.a_type is Atype.AUTO for c in openings)
    assert len(transfers) == 101
    salaries = [t for t in transfers if t.to == confirmed.iban and t.description == "salary"]
    assert salaries, "the new account was not paid a salary"
    assert all((t.from_, t.token) == (COMPANY_IBAN, COMPANY_TEST_TOKEN) for t in salaries)
    spent_by_account = [t for t in transfers if t.from_ == confirmed.iban]
    assert spent_by_account, "the generator never spent from the account it learned"
    assert all(t.token == confirmed.token for t in spent_by_account)
