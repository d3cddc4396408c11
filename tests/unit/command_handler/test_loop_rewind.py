"""The loop's offset bookkeeping around a failed Kafka transaction and a revocation.

A fake consumer records seeks; decoding and storing are replaced, so these tests are about
where the consumer is left, which decides whether a command can be skipped.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any, NoReturn

import pytest
from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_INVALID,
    KafkaError,
    KafkaException,
    TopicPartition,
)

from command_handler.backoff import Backoff
from command_handler.deciding import Decided
from command_handler.handling import DecodedCommand, HandledBatch, OutgoingRecord
from command_handler.kafka.decoding import DecodedBatch
from command_handler.kafka.publisher import OutgoingMessage, PublishFailedError
from command_handler.loop import CommandLoop, LoopOptions, PublishStuckError
from command_handler.metrics import HandlerMetrics
from command_handler.storage import MessageSource
from command_handler.topics import HandlerTopics
from tests.support.memory_store import MemoryStore
from topology.serde import RegistryUnavailableError

TOPIC = "commands"
TOPICS = HandlerTopics.with_prefix("")


class FakeMessage:
    def __init__(self, partition: int, offset: int) -> None:
        self._partition = partition
        self._offset = offset

    def topic(self) -> str:
        return TOPIC

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def error(self) -> KafkaError | None:
        return None

    def headers(self) -> list[tuple[str, bytes]] | None:
        return None


class FakeConsumer:
    """Hands out scripted consume() results; a script step may be a callable (a rebalance)."""

    def __init__(self, script: list[Any], assigned: set[int]) -> None:
        self.script = script
        self.assigned = assigned
        self.seeks: dict[int, int] = {}
        # The group's committed offsets (absent: never committed); what committed() answers.
        self.committed_offsets: dict[int, int] = {}
        self.committed_asked = 0
        # Every partition's log: its first offset and the offset after its last.
        self.watermarks = (0, 10**6)

    def consume(self, num_messages: int, timeout: float) -> list[FakeMessage]:
        if not self.script:
            return []
        step = self.script.pop(0)
        if callable(step):
            return list(step())
        return list(step)

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition(TOPIC, p) for p in sorted(self.assigned)]

    def seek(self, partition: TopicPartition) -> None:
        self.seeks[partition.partition] = partition.offset

    def get_watermark_offsets(
        self, partition: TopicPartition, timeout: float, cached: bool
    ) -> tuple[int, int]:
        return self.watermarks

    def consumer_group_metadata(self) -> object:
        return object()

    def committed(self, partitions: list[TopicPartition], timeout: float) -> list[TopicPartition]:
        self.committed_asked += 1
        return [
            TopicPartition(
                TOPIC, p.partition, self.committed_offsets.get(p.partition, OFFSET_INVALID)
            )
            for p in partitions
        ]

    def subscribe(self, topics: list[str], **callbacks: Any) -> None:
        self.callbacks = callbacks

    def revoke(self, partitions: list[TopicPartition]) -> None:
        """What librdkafka does inside consume() when partitions go to another instance."""
        self.callbacks["on_revoke"](self, partitions)


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[list[TopicPartition]] = []

    def publish(
        self, messages: Sequence[Any], offsets: Sequence[TopicPartition], meta: Any
    ) -> None:
        self.published.append(list(offsets))


def make_loop(consumer: FakeConsumer, publisher: FakePublisher) -> CommandLoop:
    loop = CommandLoop(
        consumer=consumer,
        publisher=publisher,
        store=MemoryStore(),
        serde=None,  # type: ignore[arg-type]
        topics=TOPICS,
        metrics=HandlerMetrics(),
        stop=threading.Event(),
        options=LoopOptions(client_id="test", batch_size=100, poll_timeout_ms=1),
        rng=random.Random(1),
    )
    loop.batches.subscribe(keep_gathering=loop.pipeline.busy, on_revoke=loop._revoked)
    # Nothing to decode or store: every message is a command with nothing to publish.
    decode(loop, lambda messages: DecodedBatch([], []))
    return loop


def decode(loop: CommandLoop, decoder: Any) -> None:
    """Replace the loop's decoding (Avro through the registry) by `decoder(messages)`."""
    loop._decode = decoder  # type: ignore[method-assign]


def store_returns(loop: CommandLoop, handled: HandledBatch) -> None:
    """Make every batch decide to `handled`, without storage."""
    loop.decider.decide = lambda commands: Decided(handled, [])  # type: ignore[method-assign]


def batch(partition: int, first: int, last: int) -> list[FakeMessage]:
    return [FakeMessage(partition, offset) for offset in range(first, last + 1)]


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Backoff, "next_delay_s", lambda self: 0.0)


def fail_in_flight(loop: CommandLoop) -> None:
    """Make the batch being published fail its Kafka transaction (as when fenced)."""
    in_flight = loop.pipeline._in_flight
    assert in_flight is not None
    future: Future[Any] = Future()
    future.set_exception(PublishFailedError("fenced", fatal=False))
    loop.pipeline._in_flight = dataclasses.replace(in_flight, future=future)


def test_a_failed_transaction_rewinds_to_its_own_batch_not_the_next() -> None:
    # Batch N (offsets 10-19) is being published; batch N+1 (20-29) has been stored. N's
    # transaction fails: the partition must go back to 10, or N is never answered.
    consumer = FakeConsumer([], assigned={0, 1})
    loop = make_loop(consumer, FakePublisher())
    loop.handle_batch(batch(0, 10, 19))
    fail_in_flight(loop)

    loop.handle_batch(batch(0, 20, 29) + batch(1, 5, 6))

    assert consumer.seeks == {0: 10, 1: 5}
    assert loop.pipeline._in_flight is None  # N+1 was not published either


def test_registry_down_after_a_failed_transaction_rewinds_both() -> None:
    consumer = FakeConsumer([], assigned={0})
    loop = make_loop(consumer, FakePublisher())
    loop.handle_batch(batch(0, 10, 19))
    fail_in_flight(loop)

    # N+1 has feedback to publish, but the registry is down when it is serialised.
    handled = HandledBatch()
    handled.outgoing.append(OutgoingRecord(TOPICS.account_creation_feedback, "key", None))  # type: ignore[arg-type]
    store_returns(loop, handled)
    decode(loop, lambda messages: DecodedBatch([None], []))  # type: ignore[list-item]

    def unavailable(topic: Any, key: Any, record: Any) -> OutgoingMessage:
        raise RegistryUnavailableError("down")

    loop.pipeline._serialize = unavailable  # type: ignore[method-assign]
    loop.handle_batch(batch(0, 20, 29))

    assert consumer.seeks == {0: 10}


def test_messages_read_before_a_revocation_are_dropped() -> None:
    consumer = FakeConsumer([], assigned={0, 1})
    publisher = FakePublisher()
    loop = make_loop(consumer, publisher)
    # A batch still committing keeps the loop gathering across several consume() calls.
    loop.handle_batch(batch(1, 0, 2))
    assert loop.pipeline._in_flight is not None
    committing: Future[Any] = Future()
    loop.pipeline._in_flight = dataclasses.replace(loop.pipeline._in_flight, future=committing)

    def rebalance() -> list[FakeMessage]:
        # Partition 0 goes to another instance while this one gathers.
        consumer.assigned = {1}
        loop.positions.revocations += 1
        return batch(1, 7, 8)

    def committed() -> list[FakeMessage]:
        committing.set_result(None)
        return []

    consumer.script = [batch(0, 3, 4), batch(1, 5, 6), rebalance, committed]
    gathered = loop.batches._gather()

    assert [(m.partition(), m.offset()) for m in gathered] == [(1, 5), (1, 6), (1, 7), (1, 8)]


# The publishing thread serialises a batch's output before its Kafka transaction begins:
# a registry failure there is a failed publish, and the batch is read again.


def with_output(loop: CommandLoop) -> None:
    """Each batch decodes to one command and has one feedback record to publish."""
    handled = HandledBatch()
    handled.outgoing.append(OutgoingRecord(TOPICS.account_creation_feedback, "key", None))  # type: ignore[arg-type]
    command = DecodedCommand(None, MessageSource(0, 0), 0)  # type: ignore[arg-type]
    store_returns(loop, handled)
    decode(loop, lambda messages: DecodedBatch([command], []))


def test_registry_down_in_the_publishing_thread_rewinds_the_batch() -> None:
    consumer = FakeConsumer([], assigned={0})
    publisher = FakePublisher()
    loop = make_loop(consumer, publisher)
    with_output(loop)

    def unavailable(topic: Any, key: Any, record: Any) -> OutgoingMessage:
        raise RegistryUnavailableError("down")

    loop.pipeline._serialize = unavailable  # type: ignore[method-assign]
    loop.handle_batch(batch(0, 10, 19))
    loop.handle_batch(batch(0, 20, 29))

    assert consumer.seeks == {0: 10}
    assert publisher.published == []
    assert loop.pipeline._in_flight is None


def test_the_serialised_output_and_offsets_are_published_together() -> None:
    consumer = FakeConsumer([], assigned={0})
    published: list[tuple[list[Any], list[TopicPartition]]] = []

    class Recording(FakePublisher):
        def publish(
            self, messages: Sequence[Any], offsets: Sequence[TopicPartition], meta: Any
        ) -> None:
            published.append((list(messages), list(offsets)))

    loop = make_loop(consumer, Recording())
    with_output(loop)
    message = OutgoingMessage("feedback", b"key", b"value")
    loop.pipeline._serialize = lambda topic, key, record: message  # type: ignore[method-assign]
    loop.handle_batch(batch(0, 10, 19))
    assert loop.settle()

    [(messages, offsets)] = published
    assert messages == [message]
    assert [(o.partition, o.offset) for o in offsets] == [(0, 20)]


class StuckPublisher(FakePublisher):
    """The first publish blocks (as librdkafka did inside send_offsets_to_transaction)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.stuck = False

    def publish(
        self, messages: Sequence[Any], offsets: Sequence[TopicPartition], meta: Any
    ) -> None:
        if not self.stuck:
            self.stuck = True
            self.release.wait(10)
            return
        super().publish(messages, offsets, meta)


@pytest.mark.parametrize("after", [[], [batch(0, 20, 29)]], ids=["idle", "more commands"])
def test_a_stuck_publish_restarts_the_process_without_waiting_for_the_stuck_thread(
    after: list[list[FakeMessage]],
) -> None:
    # Noticed whether or not more commands come (idle, the loop only polls).
    consumer = FakeConsumer(after, assigned={0})
    publisher = StuckPublisher()
    restarts: list[float] = []

    def restart() -> NoReturn:
        restarts.append(time.monotonic())
        raise SystemExit("restarted")

    loop = make_loop(consumer, publisher)
    loop.pipeline.stuck_after_s = 0.2
    loop._on_stuck = restart
    loop.handle_batch(batch(0, 10, 19))

    started = time.monotonic()
    with pytest.raises(SystemExit):
        loop.run()

    assert len(restarts) == 1
    # Nothing after the stuck batch was published, and run() did not wait for the thread.
    assert publisher.published == []
    assert time.monotonic() - started < 5
    retries = loop._metrics.registry.get_sample_value(
        "open_bank_command_handler_retries_total", {"dependency": "kafka"}
    )
    assert retries == 1
    publisher.release.set()


def test_the_default_on_stuck_raises() -> None:
    publisher = StuckPublisher()
    loop = make_loop(FakeConsumer([], assigned={0}), publisher)
    loop.pipeline.stuck_after_s = 0.1
    loop.handle_batch(batch(0, 10, 19))

    with pytest.raises(PublishStuckError):
        loop.settle()
    publisher.release.set()


def test_a_batch_failing_in_a_revocation_callback_gives_back_what_was_gathered() -> None:
    # Batch N (partition 0, offsets 10-19) is in flight and its transaction fails; the
    # loop learns it inside consume(), where a revocation settles it. The messages that
    # consume() returned came after N: they must be read again, not published.
    consumer = FakeConsumer([], assigned={0, 1, 2})
    loop = make_loop(consumer, FakePublisher())
    loop.handle_batch(batch(0, 10, 19))
    fail_in_flight(loop)

    def revocation_settles_the_failed_batch() -> list[FakeMessage]:
        consumer.revoke([TopicPartition(TOPIC, 1)])
        consumer.assigned = {0, 2}
        return batch(0, 20, 21) + batch(2, 7, 8)

    consumer.script = [revocation_settles_the_failed_batch]

    assert loop.batches._gather() == []
    assert consumer.seeks == {0: 10, 2: 7}


class ResetError(FakeMessage):
    """What consume() returns when librdkafka has no position for a partition."""

    def __init__(self, partition: int) -> None:
        super().__init__(partition, OFFSET_INVALID)

    def error(self) -> KafkaError:
        return KafkaError(KafkaError._AUTO_OFFSET_RESET, "no offset stored")


class CommittedConsumer(FakeConsumer):
    """`committed()` answers from `offsets` (-1001: never committed); an exception in the
    list is raised once, as a time-out while a transaction is pending would be. A partition
    assigned again with an offset is recorded in `seeks`, as where it starts."""

    def __init__(
        self,
        script: list[Any],
        answers: list[int | Exception],
        watermarks: tuple[int, int] = (0, 10**6),
    ) -> None:
        super().__init__(script, assigned={0})
        self.answers = answers
        self.watermarks = watermarks

    def incremental_unassign(self, partitions: list[TopicPartition]) -> None:
        self.assigned -= {p.partition for p in partitions}

    def incremental_assign(self, partitions: list[TopicPartition]) -> None:
        for p in partitions:
            self.assigned.add(p.partition)
            self.seeks[p.partition] = p.offset

    def committed(self, partitions: list[TopicPartition], timeout: float) -> list[TopicPartition]:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return [TopicPartition(TOPIC, p.partition, answer) for p in partitions]


def test_no_position_goes_to_the_committed_offset_asked_again() -> None:
    timed_out = KafkaException(KafkaError(KafkaError._TIMED_OUT, "unstable offsets"))
    consumer = CommittedConsumer([[ResetError(0)]], [timed_out, 4264])
    loop = make_loop(consumer, FakePublisher())

    loop.poll_once()

    assert consumer.seeks == {0: 4264}


def test_a_partition_never_committed_starts_at_the_beginning() -> None:
    consumer = CommittedConsumer([[ResetError(0)]], [OFFSET_INVALID])
    loop = make_loop(consumer, FakePublisher())

    loop.poll_once()

    assert consumer.seeks == {0: OFFSET_BEGINNING}


@pytest.mark.parametrize(
    ("committed", "expected"),
    [(120, 300), (9_000, 5_000)],
    ids=["retention removed it", "beyond the log's end"],
)
def test_a_committed_offset_outside_the_log_goes_to_its_nearest_end(
    committed: int, expected: int
) -> None:
    # Never to the beginning of a partition whose start is still there: every command on it
    # would be answered a second time (the double answers of the two-instance scenario).
    consumer = CommittedConsumer([[ResetError(0)]], [committed], watermarks=(300, 5_000))
    loop = make_loop(consumer, FakePublisher())

    loop.poll_once()

    assert consumer.seeks == {0: expected}


def test_the_same_committed_offset_refused_twice_is_resumed_again_not_read_from_the_start() -> None:
    consumer = CommittedConsumer([[ResetError(0)], [], [ResetError(0)]], [120, 120])
    loop = make_loop(consumer, FakePublisher())

    loop.poll_once()
    loop.poll_once()

    assert consumer.seeks == {0: 120}


# The committed offset is a floor: every command below it was answered in a committed
# transaction, so one read again is skipped, never answered a second time.


def handled_offsets(loop: CommandLoop) -> list[tuple[int, int]]:
    """Make the loop record, per batch it decides, the (partition, offset) of each message."""
    seen: list[tuple[int, int]] = []

    def recording(messages: Sequence[Any]) -> DecodedBatch:
        seen.extend((m.partition(), m.offset()) for m in messages)
        return DecodedBatch([], [])

    decode(loop, recording)
    return seen


def test_commands_below_the_committed_offset_are_skipped() -> None:
    # The position went back (a reset to the beginning): 0-14 were answered already.
    consumer = FakeConsumer([batch(0, 10, 10), batch(0, 11, 19)], assigned={0})
    consumer.committed_offsets = {0: 15}
    publisher = FakePublisher()
    loop = make_loop(consumer, publisher)
    seen = handled_offsets(loop)

    loop.poll_once()
    assert loop.settle()

    assert seen == [(0, o) for o in range(15, 20)]
    assert [(o.partition, o.offset) for o in publisher.published[0]] == [(0, 20)]


def test_the_floor_is_asked_once_per_assignment_and_moves_with_each_publish() -> None:
    consumer = FakeConsumer([], assigned={0})
    consumer.committed_offsets = {0: 10}
    loop = make_loop(consumer, FakePublisher())
    seen = handled_offsets(loop)

    consumer.script = [batch(0, 10, 19), []]
    loop.poll_once()
    assert loop.settle()
    # The position goes back over what this instance just published.
    consumer.script = [batch(0, 12, 12), batch(0, 13, 24)]
    loop.poll_once()

    assert seen == [(0, o) for o in range(10, 20)] + [(0, o) for o in range(20, 25)]
    # Once for the floor, once for the partitions others own (at the first assignment).
    assert consumer.committed_asked == 2


def test_a_revoked_partition_asks_its_committed_offset_again_when_it_comes_back() -> None:
    consumer = FakeConsumer([batch(0, 10, 19), []], assigned={0})
    loop = make_loop(consumer, FakePublisher())
    seen = handled_offsets(loop)
    loop.poll_once()
    consumer.revoke([TopicPartition(TOPIC, 0)])
    # Another instance answered up to 40 meanwhile; the partition comes back.
    consumer.committed_offsets = {0: 40}
    consumer.script = [batch(0, 20, 20), batch(0, 21, 45)]

    loop.poll_once()

    assert seen == [(0, o) for o in range(10, 20)] + [(0, o) for o in range(40, 46)]
    # Twice for the floor, once for the partitions others own (at the first assignment).
    assert consumer.committed_asked == 3


def test_a_transaction_reported_failed_that_did_commit_is_not_answered_again() -> None:
    # The outcome of commit_transaction was lost with the connection, but it committed.
    consumer = FakeConsumer([batch(0, 10, 19), []], assigned={0})
    consumer.committed_offsets = {0: 10}
    loop = make_loop(consumer, FakePublisher())
    seen = handled_offsets(loop)
    loop.poll_once()
    fail_in_flight(loop)
    consumer.committed_offsets = {0: 20}

    assert not loop.settle()
    assert consumer.seeks == {0: 10}
    consumer.script = [batch(0, 10, 10), batch(0, 11, 22)]
    loop.poll_once()

    # 10-19 skipped (answered), 20-22 read again after them as new commands.
    assert seen == [(0, o) for o in range(10, 20)]
    assert consumer.seeks == {0: 20}


def test_no_answer_from_kafka_for_the_floor_is_asked_again() -> None:
    class Flaky(FakeConsumer):
        def committed(
            self, partitions: list[TopicPartition], timeout: float
        ) -> list[TopicPartition]:
            if self.committed_asked == 0:
                self.committed_asked += 1
                raise KafkaException(KafkaError(KafkaError._TIMED_OUT, "unstable offsets"))
            return super().committed(partitions, timeout)

    consumer = Flaky([batch(0, 0, 0), batch(0, 1, 9)], assigned={0})
    consumer.committed_offsets = {0: 5}
    loop = make_loop(consumer, FakePublisher())
    seen = handled_offsets(loop)

    loop.poll_once()

    assert seen == [(0, o) for o in range(5, 10)]
    # The failed ask, its retry, then the floor.
    assert consumer.committed_asked == 3


def test_the_publish_phase_ends_at_the_commit_not_when_the_loop_collects_it() -> None:
    loop = make_loop(FakeConsumer([], assigned={0}), FakePublisher())
    loop.handle_batch(batch(0, 10, 19))
    loop.pipeline._in_flight.future.result(5)  # type: ignore[union-attr]
    time.sleep(0.3)  # the loop is busy elsewhere (or polling at idle) meanwhile

    assert loop.settle()

    publish_s = loop._metrics.registry.get_sample_value(
        "open_bank_command_handler_phase_seconds_sum", {"phase": "publish"}
    )
    assert publish_s is not None
    assert publish_s < 0.2


# Answers stored but maybe never published go first, as one batch of their own: published
# over several batches, or after a new decision on the same account, an account's
# BalanceChanged events would leave in another order than its balances were computed.


def test_after_a_failed_publish_the_next_batch_is_exactly_what_was_in_doubt() -> None:
    consumer = FakeConsumer([], assigned={0, 1})
    consumer.committed_offsets = {0: 10, 1: 5}
    loop = make_loop(consumer, FakePublisher())
    seen = handled_offsets(loop)
    loop.handle_batch(batch(0, 10, 19) + batch(1, 5, 6))
    fail_in_flight(loop)
    loop.handle_batch(batch(0, 20, 29))  # N+1, stored, then rewound with N
    assert consumer.seeks == {0: 10, 1: 5}
    seen.clear()
    # Read again: partition 0 comes in two fetches, partition 1 brings newer commands too.
    consumer.script = [batch(0, 10, 24), batch(1, 5, 9), batch(0, 25, 33)]

    loop.poll_once()

    assert sorted(seen) == [(0, o) for o in range(10, 30)] + [(1, 5), (1, 6)]
    # What came after the doubt is read again after it.
    assert consumer.seeks == {0: 30, 1: 7}


def test_a_partition_with_answers_stored_beyond_its_committed_offset_is_replayed_first() -> None:
    # Another instance died between its PostgreSQL and Kafka commits of offsets 40-59.
    consumer = FakeConsumer([batch(0, 40, 40), batch(0, 41, 70) + batch(1, 3, 9)], assigned={0, 1})
    consumer.committed_offsets = {0: 40, 1: 3}
    loop = make_loop(consumer, FakePublisher())
    loop.positions._stored_beyond = lambda committed: {0: 59} if 0 in committed else {}
    seen = handled_offsets(loop)

    loop.poll_once()
    assert seen == []
    assert consumer.seeks == {0: 40, 1: 3}
    consumer.script = [batch(0, 40, 65) + batch(1, 3, 9)]
    loop.poll_once()

    assert seen == [(0, o) for o in range(40, 60)]
    assert consumer.seeks == {0: 60, 1: 3}
    assert loop.positions.in_doubt == {}


def test_stopping_while_the_answers_in_doubt_are_read_returns() -> None:
    consumer = FakeConsumer([], assigned={0})
    loop = make_loop(consumer, FakePublisher())
    loop.positions.in_doubt = {(TOPIC, 0): 50}
    loop._stop.set()

    assert loop.batches._gather() == []


def test_answers_in_doubt_of_a_partition_not_in_the_first_batch_still_go_first() -> None:
    # After a restart the first fetch brings partition 0 only; partition 1 had 20-24 stored.
    consumer = FakeConsumer([batch(0, 0, 0), batch(0, 1, 9)], assigned={0, 1})
    consumer.committed_offsets = {0: 0, 1: 20}
    loop = make_loop(consumer, FakePublisher())
    loop.positions._stored_beyond = lambda committed: {1: 24} if 1 in committed else {}
    seen = handled_offsets(loop)

    loop.poll_once()
    assert seen == []
    consumer.script = [batch(0, 0, 9) + batch(1, 20, 30)]
    loop.poll_once()

    assert seen == [(1, o) for o in range(20, 25)]
    assert consumer.seeks == {0: 0, 1: 25}


def test_answers_in_doubt_of_a_partition_no_longer_owned_are_not_waited_for() -> None:
    # Partition 1 went away without a revocation reaching the loop (lost).
    consumer = FakeConsumer([batch(0, 10, 14), []], assigned={0})
    loop = make_loop(consumer, FakePublisher())
    loop.positions.in_doubt = {(TOPIC, 0): 14, (TOPIC, 1): 50}

    started = time.monotonic()
    gathered = loop.batches._gather()

    assert [(m.partition(), m.offset()) for m in gathered] == [(0, o) for o in range(10, 15)]
    assert time.monotonic() - started < 5


def test_nothing_is_decided_while_another_member_holds_answers_in_doubt() -> None:
    # A predecessor killed right after joining still owns partition 1, where 20-24 are
    # stored and not published; this process owns partition 0 only, for now.
    consumer = FakeConsumer([batch(0, 0, 9)], assigned={0})
    consumer.committed_offsets = {0: 0, 1: 20}
    loop = make_loop(consumer, FakePublisher())
    stored = {1: 24}
    loop.positions._stored_beyond = lambda committed: {
        p: last for p, last in stored.items() if p in committed
    }
    seen = handled_offsets(loop)

    loop.poll_once()
    consumer.script = [batch(0, 0, 9)]
    loop.poll_once()
    assert seen == []
    assert consumer.seeks == {0: 0}

    # Its session ends and partition 1 comes here: its answers go first, then the rest.
    consumer.assigned = {0, 1}
    consumer.script = [batch(0, 0, 0), batch(0, 1, 9) + batch(1, 20, 30)]
    loop.poll_once()
    consumer.script = [batch(0, 0, 9) + batch(1, 20, 30)]
    loop.poll_once()
    assert seen[: len(range(20, 25))] == [(1, o) for o in range(20, 25)]


def test_answers_in_doubt_another_member_publishes_end_the_wait() -> None:
    # A live second instance had 20-24 stored when this one started; it publishes them.
    consumer = FakeConsumer([batch(0, 0, 9)], assigned={0})
    consumer.committed_offsets = {0: 0, 1: 20}
    loop = make_loop(consumer, FakePublisher())
    loop.positions._stored_beyond = lambda committed: {1: 24} if 1 in committed else {}
    seen = handled_offsets(loop)

    loop.poll_once()
    assert seen == []
    consumer.committed_offsets = {0: 0, 1: 25}  # its Kafka transaction committed
    consumer.script = [batch(0, 0, 9)]
    loop.poll_once()

    assert seen == [(0, o) for o in range(10)]


class FatalErrorMessage(FakeMessage):
    """What consume() hands out once librdkafka gave up on the consumer: librdkafka puts a
    `_FATAL` error on the consumer's queue (`rd_kafka_set_fatal_error0`), and
    confluent_kafka builds a message's error without the fatal flag; a fenced static member
    (a successor under the same `group.instance.id`) gets it after a Kafka restart."""

    def __init__(self, partition: int, offset: int, error: KafkaError) -> None:
        super().__init__(partition, offset)
        self._error = error

    def error(self) -> KafkaError | None:
        return self._error

    def topic(self) -> str | None:  # type: ignore[override]
        return None  # a consumer-wide error names no partition (`RD_KAFKA_PARTITION_UA`)


@pytest.mark.parametrize(
    "error",
    [
        KafkaError(KafkaError._FATAL, "Fatal error: Static consumer fenced"),
        KafkaError(KafkaError.FENCED_INSTANCE_ID, fatal=True),
    ],
)
def test_a_consumer_failed_for_good_ends_the_process_for_a_restart(error: KafkaError) -> None:
    publisher = FakePublisher()
    failed = FatalErrorMessage(-1, -1001, error)
    consumer = FakeConsumer([batch(0, 10, 11), [failed]], assigned={0})
    restarts: list[bool] = []

    def restart() -> NoReturn:
        restarts.append(True)
        raise SystemExit(75)

    loop = make_loop(consumer, publisher)
    loop._on_stuck = restart
    with pytest.raises(SystemExit):
        loop.run()
    assert restarts == [True]


def test_a_fatal_error_that_comes_with_the_revocation_of_every_partition_is_not_dropped() -> None:
    # A fenced static member after a Kafka restart: librdkafka revokes every partition and
    # hands out the fatal error in the same consume() call.
    consumer = FakeConsumer([], assigned={0, 1})
    fatal = FatalErrorMessage(-1, -1001, KafkaError(KafkaError._FATAL, "Fatal error: fenced"))

    def fenced() -> list[FakeMessage]:
        consumer.revoke([TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)])
        consumer.assigned = set()
        return [fatal]

    consumer.script = [batch(0, 10, 11), fenced]
    loop = make_loop(consumer, FakePublisher())
    restarts: list[bool] = []

    def restart() -> NoReturn:
        restarts.append(True)
        raise SystemExit(75)

    loop._on_stuck = restart
    with pytest.raises(SystemExit):
        loop.run()
    assert restarts == [True]


# A committed offset far behind the answers stored: Kafka lost the one the handler left.


def test_a_lost_committed_offset_publishes_only_the_last_answers_again() -> None:
    # Batches of 100: a publish can leave 200 in doubt; 1,000 are published again.
    consumer = FakeConsumer([batch(0, 0, 0)], assigned={0})
    consumer.committed_offsets = {0: 0}
    consumer.watermarks = (0, 90_000)
    loop = make_loop(consumer, FakePublisher())
    loop.positions._stored_beyond = lambda committed: {0: 80_000} if 0 in committed else {}
    seen = handled_offsets(loop)

    loop.poll_once()

    assert seen == []
    assert consumer.seeks == {0: 79_001}
    assert loop.positions.floors == {(TOPIC, 0): 79_001}
    assert loop.positions.in_doubt == {(TOPIC, 0): 80_000}
    consumer.script = [batch(0, 79_001, 80_010)]
    loop.poll_once()
    assert seen == [(0, o) for o in range(79_001, 80_001)]


def test_answers_stored_beyond_the_end_of_the_log_are_not_waited_for() -> None:
    # `commands` was deleted and created again; the database kept the old log's answers.
    consumer = FakeConsumer([batch(0, 0, 9)], assigned={0})
    consumer.watermarks = (0, 10)
    loop = make_loop(consumer, FakePublisher())
    loop.positions._stored_beyond = lambda committed: {0: 80_000} if 0 in committed else {}
    seen = handled_offsets(loop)

    loop.poll_once()

    assert seen == [(0, o) for o in range(10)]
    assert loop.positions.in_doubt == {}
