"""The consumer threads of the live feed and the projector, over a fake consumer.

The fake implements the part of ``confluent_kafka.Consumer`` the threads use (it is
not a ``Mock``): messages put into it are polled in order; a real Kafka run of both
threads is in tests/integration/backend (every answer and row goes through them).
"""

import asyncio
import queue
import threading
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
from confluent_kafka import KafkaError, KafkaException, Message, TopicPartition
from sqlalchemy.exc import OperationalError

from backend.feedback import Delivered
from backend.kafka.consumer_thread import ConsumerThread, KafkaConsumer
from backend.kafka.live import LIVE_TOPICS, LiveFeed
from backend.kafka.projector import Projector
from backend.outcomes import TransactionView, TransferOutcome
from tests.support.local_registry import local_serde
from topology.records import BalanceChanged, MoneyTransferConfirmed, MoneyTransferFailed, Record
from topology.serde import RecordSerde
from topology.topics import BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK, Topic

WAIT_S = 5.0


class FakeConsumer:
    """Messages come out in the order they were put in; partitions have 10 messages each."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.assigned: list[TopicPartition] = []
        self.subscribed: list[str] = []
        #: The partitions the group gave this consumer, by (topic, partition).
        self.owned: set[tuple[str, int]] = set()
        #: store_offsets raises _STATE as if the group took the partitions meanwhile.
        self.revoke_while_storing = False
        self.stored: queue.Queue[list[tuple[str, int, int]]] = queue.Queue()
        self.closed = threading.Event()

    def poll(self, timeout: float) -> Message | None:
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def consume(self, num_messages: int, timeout: float) -> list[Message]:
        taken: list[Message] = []
        while len(taken) < num_messages and not self.inbox.empty():
            taken.append(self.inbox.get_nowait())
        return taken

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.assigned = partitions

    def subscribe(self, topics: list[str]) -> None:
        self.subscribed = topics

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition(topic, partition) for topic, partition in sorted(self.owned)]

    def store_offsets(self, *, offsets: list[TopicPartition]) -> None:
        if self.revoke_while_storing:
            self.stored.put([])
            raise KafkaException(KafkaError(KafkaError._STATE))
        self.stored.put(sorted((tp.topic, tp.partition, tp.offset) for tp in offsets))

    def list_topics(self, topic: str, timeout: float) -> Any:
        metadata = SimpleNamespace(error=None, partitions={0: None, 1: None})
        return SimpleNamespace(topics={topic: metadata})

    def get_watermark_offsets(self, partition: TopicPartition, timeout: float) -> tuple[int, int]:
        return 0, 10

    def close(self) -> None:
        self.closed.set()


class Batches(ConsumerThread):
    """Records every batch; a message with value b"boom" makes it raise."""

    def __init__(self, consumer: FakeConsumer, crashes: list[BaseException]) -> None:
        super().__init__(
            {},
            name="test-consumer",
            drain_max=100,
            drain_wait_s=0,
            on_crash=crashes.append,
            consumer_factory=lambda _config: consumer,
        )
        self.begun = threading.Event()
        self.batches: queue.Queue[list[bytes | None]] = queue.Queue()

    def begin(self, consumer: KafkaConsumer) -> None:
        self.begun.set()

    def handle(self, consumer: KafkaConsumer, messages: list[Message]) -> None:
        values = [message.value() for message in messages]
        if b"boom" in values:
            raise RuntimeError("cannot handle boom")
        self.batches.put(values)


@pytest.fixture
def consumer() -> FakeConsumer:
    return FakeConsumer()


@pytest.fixture
def crashes() -> list[BaseException]:
    return []


@pytest.fixture
def batches(consumer: FakeConsumer, crashes: list[BaseException]) -> Iterator[Batches]:
    thread = Batches(consumer, crashes)
    yield thread
    thread.stop(WAIT_S)


def test_a_batch_is_the_first_message_and_what_is_already_fetched(
    batches: Batches, consumer: FakeConsumer
) -> None:
    for value in (b"a", b"b", b"c"):
        consumer.inbox.put(Message(value=value))
    batches.start()
    assert batches.begun.wait(WAIT_S)
    assert batches.batches.get(timeout=WAIT_S) == [b"a", b"b", b"c"]
    consumer.inbox.put(Message(value=b"d"))
    assert batches.batches.get(timeout=WAIT_S) == [b"d"]
    assert batches.alive


def test_stop_ends_the_thread_and_closes_the_consumer(
    batches: Batches, consumer: FakeConsumer, crashes: list[BaseException]
) -> None:
    batches.start()
    assert batches.begun.wait(WAIT_S)
    batches.stop(WAIT_S)
    assert not batches.alive
    assert batches.stopping
    assert consumer.closed.is_set()
    assert crashes == []
    assert batches.last_error is None


def test_a_failing_batch_ends_the_thread_and_is_reported(
    batches: Batches, consumer: FakeConsumer, crashes: list[BaseException]
) -> None:
    consumer.inbox.put(Message(value=b"boom"))
    batches.start()
    assert consumer.closed.wait(WAIT_S)
    batches.stop(WAIT_S)
    assert not batches.alive
    assert [str(error) for error in crashes] == ["cannot handle boom"]
    assert batches.last_error == "test-consumer thread crashed, see the log"


def serde() -> RecordSerde:
    return local_serde()


async def test_the_live_feed_starts_at_the_end_and_hands_records_to_the_loop(
    consumer: FakeConsumer, crashes: list[BaseException]
) -> None:
    loop = asyncio.get_running_loop()
    routed: asyncio.Queue[Sequence[Delivered]] = asyncio.Queue()
    codec = serde()
    feed = LiveFeed(
        {},
        codec,
        loop,
        routed.put_nowait,
        crashes.append,
        consumer_factory=lambda _config: consumer,
    )
    answer = MoneyTransferConfirmed(id=uuid4())
    consumer.inbox.put(
        Message(
            topic=MONEY_TRANSFER_FEEDBACK.name,
            partition=3,
            offset=42,
            value=codec.serialize(MONEY_TRANSFER_FEEDBACK, answer),
        )
    )
    feed.start()
    try:
        batch = await asyncio.wait_for(routed.get(), WAIT_S)
    finally:
        await asyncio.to_thread(feed.stop, WAIT_S)
    assert feed.ready.is_set()
    assert {(tp.topic, tp.partition, tp.offset) for tp in consumer.assigned} == {
        (topic.name, partition, 10) for topic in LIVE_TOPICS for partition in (0, 1)
    }
    [delivered] = batch
    assert delivered == Delivered(
        MONEY_TRANSFER_FEEDBACK.name, 3, 42, answer, polled_at=delivered.polled_at
    )
    assert delivered.polled_at > 0
    assert (feed.received, feed.skipped, crashes) == (1, 0, [])


class FlakySink:
    """Records what the projector writes; the first ``failures`` writes fail."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.written: list[tuple[list[TransactionView], list[TransferOutcome]]] = []

    def write(
        self, transactions: Sequence[TransactionView], results: Sequence[TransferOutcome]
    ) -> None:
        if self.failures:
            self.failures -= 1
            raise OperationalError("INSERT", {}, ConnectionError("database restarting"))
        self.written.append((list(transactions), list(results)))


def message(codec: RecordSerde, topic: Topic, partition: int, offset: int, record: Record) -> Any:
    return Message(
        topic=topic.name,
        partition=partition,
        offset=offset,
        value=codec.serialize(topic, record),
    )


def test_the_projector_writes_a_batch_then_stores_its_offsets_retrying_the_database(
    consumer: FakeConsumer, crashes: list[BaseException]
) -> None:
    codec = serde()
    sink = FlakySink(failures=1)
    projector = Projector(
        {},
        codec,
        sink,
        batch_size=10,
        batch_wait_ms=1,
        on_crash=crashes.append,
        consumer_factory=lambda _config: consumer,
    )
    change = BalanceChanged("NL66OPEN0000000000", -500, -100, "cash", "withdrawal")
    refused = MoneyTransferFailed(id=uuid4(), reason="insufficient funds")
    consumer.owned = {(BALANCE_CHANGED.name, 2), (MONEY_TRANSFER_FEEDBACK.name, 1)}
    consumer.inbox.put(message(codec, BALANCE_CHANGED, 2, 7, change))
    consumer.inbox.put(message(codec, MONEY_TRANSFER_FEEDBACK, 1, 4, refused))
    consumer.inbox.put(message(codec, BALANCE_CHANGED, 2, 8, change))
    projector.start()
    try:
        stored = consumer.stored.get(timeout=WAIT_S)
    finally:
        projector.stop(WAIT_S)
    assert consumer.subscribed == [BALANCE_CHANGED.name, MONEY_TRANSFER_FEEDBACK.name]
    assert stored == [(BALANCE_CHANGED.name, 2, 9), (MONEY_TRANSFER_FEEDBACK.name, 1, 5)]
    [(transactions, results)] = sink.written  # once, after one failed attempt
    assert [(t.iban, t.changed_by_cents) for t in transactions] == [(change.iban, -100)] * 2
    assert results == [TransferOutcome(refused.id, success=False, reason="insufficient funds")]
    assert (projector.rows_written, projector.batches_written) == (3, 1)
    assert (projector.last_error, crashes) == (None, [])


@pytest.mark.parametrize("revoked", ["before storing", "while storing"])
def test_partitions_taken_away_during_a_batch_do_not_stop_the_projector(
    consumer: FakeConsumer, crashes: list[BaseException], revoked: str
) -> None:
    # Seen when a second backend joined the group: store_offsets failed with _STATE
    # and the whole process shut down.
    codec = serde()
    sink = FlakySink(failures=0)
    projector = Projector(
        {},
        codec,
        sink,
        batch_size=10,
        batch_wait_ms=1,
        on_crash=crashes.append,
        consumer_factory=lambda _config: consumer,
    )
    change = BalanceChanged("NL66OPEN0000000000", -500, -100, "cash", "withdrawal")
    consumer.owned = {(BALANCE_CHANGED.name, 1)}
    consumer.revoke_while_storing = revoked == "while storing"
    consumer.inbox.put(message(codec, BALANCE_CHANGED, 0, 7, change))  # no longer ours
    consumer.inbox.put(message(codec, BALANCE_CHANGED, 1, 3, change))
    projector.start()
    try:
        stored = consumer.stored.get(timeout=WAIT_S)
        consumer.revoke_while_storing = False
        consumer.inbox.put(message(codec, BALANCE_CHANGED, 1, 4, change))
        stored_next = consumer.stored.get(timeout=WAIT_S)
    finally:
        projector.stop(WAIT_S)
    expected = [] if revoked == "while storing" else [(BALANCE_CHANGED.name, 1, 4)]
    assert stored == expected
    assert stored_next == [(BALANCE_CHANGED.name, 1, 5)]
    assert projector.rows_written == 3
    assert (crashes, projector.last_error) == ([], None)


async def test_the_live_feed_decodes_only_what_it_is_asked_for(
    consumer: FakeConsumer, crashes: list[BaseException]
) -> None:
    routed: asyncio.Queue[Sequence[Delivered]] = asyncio.Queue()
    codec = serde()
    wanted, unwanted = uuid4(), uuid4()
    feed = LiveFeed(
        {},
        codec,
        asyncio.get_running_loop(),
        routed.put_nowait,
        crashes.append,
        consumer_factory=lambda _config: consumer,
        wants=lambda _topic, key: key == str(wanted).encode(),
    )
    for command_id in (unwanted, wanted):
        consumer.inbox.put(
            Message(
                topic=MONEY_TRANSFER_FEEDBACK.name,
                key=str(command_id).encode(),
                # Not even decodable: an ignored message is never looked at.
                value=b"garbage" if command_id == unwanted else None,
            )
        )
    consumer.inbox.put(
        Message(
            topic=MONEY_TRANSFER_FEEDBACK.name,
            key=str(wanted).encode(),
            value=codec.serialize(MONEY_TRANSFER_FEEDBACK, MoneyTransferConfirmed(id=wanted)),
        )
    )
    feed.start()
    try:
        batch = await asyncio.wait_for(routed.get(), WAIT_S)
    finally:
        await asyncio.to_thread(feed.stop, WAIT_S)
    assert [item.record for item in batch] == [MoneyTransferConfirmed(id=wanted)]
    assert (feed.ignored, feed.skipped, feed.received, crashes) == (1, 1, 1, [])
