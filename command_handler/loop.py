"""The command loop: poll a batch, decide it in one PostgreSQL transaction, publish it and
its offsets in one Kafka transaction, repeat.

Order per batch: decode → lock, decide, write, commit (PostgreSQL) → produce output and
offsets, commit (Kafka). The Kafka commit of one batch overlaps with the PostgreSQL work of
the next; the next is published only after the previous committed, and if that failed both
are rewound and read again. A crash before the PostgreSQL commit loses nothing (the commands
are read again); after it, the commands are read again and their stored outcome is
published again, so no change is applied twice and none is published twice. A command below
its partition's committed offset was answered in a committed transaction: if the consumer
ever reads one again (its position went back), it is skipped, not answered twice. Stored
answers that may never have been published (after a failed publish, or found in PostgreSQL
beyond a newly assigned partition's committed offset) are published again first, in one
batch, before anything new is decided: each account's BalanceChanged events keep the order
of its balances. A dependency
that fails is retried with back-off, the batch kept; a stop request (SIGTERM) is honoured
between batches, or during a retry by dropping the unpublished batch for the next reader.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import psycopg
from confluent_kafka import OFFSET_BEGINNING, KafkaError, KafkaException, TopicPartition

from command_handler.backoff import Backoff
from command_handler.handling import (
    DecodedCommand,
    HandledBatch,
    OutgoingRecord,
    handle_commands,
)
from command_handler.linger import AdaptiveLinger
from command_handler.logs import StateLog
from command_handler.metrics import HandlerMetrics
from command_handler.publishing import OutgoingMessage, PublishFailedError, TransactionalPublisher
from command_handler.storage import Database, MessageSource
from command_handler.storage.in_doubt import last_stored_offsets
from command_handler.topics import HandlerTopics
from topology.dead_letter import DeadLetterOrigin, dead_letter_headers
from topology.records import ConfirmAccountCreation, ConfirmMoneyTransfer
from topology.serde import RecordSerde, RegistryUnavailableError, UndecodableRecord

__all__ = ["CommandLoop", "PublishStuckError"]

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

# How long one consume() waits while gathering a batch behind a committing one (s).
_GATHER_SLICE_S = 0.002
# How long to wait for Kafka's answer to a committed offsets fetch (s).
_COMMITTED_TIMEOUT_S = 10.0
_IMMEDIATE_CONFLICT_RETRIES = 3
# How long the batch of answers in doubt may wait for its next message before it goes as it
# is (s): longer than a Kafka restart, so that only the unforeseen ends it early.
_IN_DOUBT_STALL_S = 300.0


class PublishStuckError(Exception):
    """A Kafka transaction did not finish within its bound: its thread is blocked inside
    librdkafka and this process must be replaced (see `command_handler.restart`)."""


def _raise_stuck() -> NoReturn:
    raise PublishStuckError("kafka transaction stuck")


@dataclass(frozen=True, slots=True)
class _InFlight:
    """A batch stored in PostgreSQL whose Kafka transaction is being committed."""

    future: Future[None]
    messages: Sequence[Any]
    timestamps_ms: list[int]
    outcomes: Counter[tuple[str, str]]
    dead_letters: int
    started: float
    gather_s: float
    decode_s: float
    store_s: float
    wait_s: float
    submitted: float


class CommandLoop:
    """One handler instance's consume-decide-publish loop: one thread polls, decodes and
    stores; one more waits for the Kafka transaction of the previous batch."""

    def __init__(
        self,
        *,
        consumer: Any,
        publisher: TransactionalPublisher,
        database: Database,
        serde: RecordSerde,
        topics: HandlerTopics,
        metrics: HandlerMetrics,
        stop: threading.Event,
        batch_size: int,
        poll_timeout_ms: int,
        client_id: str,
        rng: random.Random,
        max_linger_ms: int = 20,
        stuck_publish_s: float = 60.0,
        on_stuck: Callable[[], NoReturn] = _raise_stuck,
    ) -> None:
        self._consumer = consumer
        self._publisher = publisher
        self._database = database
        self._serde = serde
        self._topics = topics
        self._metrics = metrics
        self._stop = stop
        self._batch_size = batch_size
        self._poll_timeout_s = poll_timeout_ms / 1000
        self._client_id = client_id
        self._rng = rng
        self._postgres = StateLog(_LOGGER, "postgresql")
        self.kafka = StateLog(_LOGGER, "kafka")
        self._registry = StateLog(_LOGGER, "schema registry")
        self._backoff = Backoff()
        # Publishing batch N (waiting for its Kafka transaction) overlaps with deciding
        # batch N+1 in PostgreSQL; the transactional producer is only used from this thread.
        self._publishing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish")
        # A publish that has not finished after this long is stuck (its producer's own
        # time-outs are 10 s per call; the service passes the transaction time-out + 5 s).
        self._stuck_publish_s = stuck_publish_s
        # What a stuck publish does: the service restarts the process in place; the
        # default raises (tests).
        self._on_stuck = on_stuck
        self._stuck = False
        self._in_flight: _InFlight | None = None
        # How long gathering the batch being handled took (s): the phase `gather`.
        self._gathered_in_s = 0.0
        # How long a batch waits for more after its first command: only when the measured
        # arrival rate and commit time say batching pays (see `linger`).
        self._linger = AdaptiveLinger(max_linger_ms / 1000)
        # Written by the publishing thread before its future completes: how long the Kafka
        # transaction itself took (s), without the wait for the loop to collect it.
        self._published_s = 0.0
        # ... and when it committed (perf_counter, s): the publish phase ends there, not
        # when the loop next collects the future (up to a poll time-out later at idle).
        self._published_at = 0.0
        self._published_wall_ms = 0.0
        # Counts revocations, so a batch being gathered can tell one happened under it.
        self._revocations = 0
        # Partitions sought back since the batch being gathered began (see `_give_back`).
        self._rewound: set[tuple[str, int]] = set()
        # Per owned partition: its committed offset, below which every command was answered
        # in a committed Kafka transaction (see `_not_answered`). Learnt on the first batch
        # after an assignment or a failed publish, moved by every publish.
        self._floors: dict[tuple[str, int], int] = {}
        # Per owned partition with answers stored but maybe never published: the offset of
        # the last of them. While any is left, the next batch is exactly those (see
        # `_gather_in_doubt`).
        self._in_doubt: dict[tuple[str, int], int] = {}

    def run(self) -> None:
        """Handle batches until `stop` is set; the caller closes the clients afterwards."""
        self._consumer.subscribe(
            [self._topics.commands.name], on_assign=self._assigned, on_revoke=self._revoked
        )
        _LOGGER.info("consuming", extra={"topic": self._topics.commands.name})
        try:
            while not self._stop.is_set():
                self._poll_once()
            self._finish_in_flight()
        finally:
            # Never wait for a thread stuck inside librdkafka: it does not come back.
            self._publishing.shutdown(wait=not self._stuck)

    def _poll_once(self) -> None:
        replaying = bool(self._in_doubt)
        gather_started = time.perf_counter()
        messages = self._gather()
        self._gathered_in_s = time.perf_counter() - gather_started
        good = []
        for message in messages:
            error = message.error()
            if error is None:
                good.append(message)
            elif error.code() == KafkaError._AUTO_OFFSET_RESET:
                self._reset_position(message, error)
            elif error.code() != KafkaError._PARTITION_EOF:
                # Broker down, transport errors: librdkafka reconnects by itself; log the
                # change of state once, not every poll.
                self.kafka.failed(KafkaException(error))
        good = self._not_answered(good, find_in_doubt=not replaying)
        if good:
            self.handle_batch(good)
        elif self._in_flight is not None and (
            self._in_flight.future.done() or self._overdue(self._in_flight)
        ):
            # Nothing new: settle the last batch now (a failure must be re-read at once,
            # a stuck one noticed even when no command comes after it).
            self._finish_in_flight()

    def _gather(self) -> list[Any]:
        """The next batch: the first message as soon as it comes, then what else arrives
        while the previous batch's Kafka transaction commits or within the adaptive linger.

        consume(n, t) blocks until n messages have come or t has passed: asking for the
        whole batch at once made every command at low load wait the full poll time-out (a
        ~100 ms floor on every answer). While the previous batch is still committing, this
        one could not be published anyway, so it gathers what arrives and grows with load.
        """
        if self._in_doubt:
            return self._gather_in_doubt()
        revocations = self._revocations
        self._rewound.clear()
        messages: list[Any] = self._consumer.consume(1, self._poll_timeout_s)
        if self._rewound:
            return self._give_back(messages)
        if not messages:
            return messages
        in_flight = self._in_flight
        linger_until = time.perf_counter() + self._linger.linger_s()
        while len(messages) < self._batch_size and (
            (in_flight is not None and not in_flight.future.done() and not self._overdue(in_flight))
            or (time.perf_counter() < linger_until and not self._linger.enough(len(messages)))
        ):
            messages += self._consumer.consume(self._batch_size - len(messages), _GATHER_SLICE_S)
            if self._rewound:
                return self._give_back(messages)
            if self._revocations != revocations:
                revocations = self._revocations
                messages = self._owned(messages)
        if len(messages) < self._batch_size:
            messages += self._consumer.consume(self._batch_size - len(messages), 0)
            if self._rewound:
                return self._give_back(messages)
            if self._revocations != revocations:
                messages = self._owned(messages)
        self._linger.batch_gathered(len(messages), time.perf_counter())
        return messages

    def _gather_in_doubt(self) -> list[Any]:
        """The batch of every command whose answer may be stored but not published, across
        all partitions, and nothing else; what else is read comes again after it.

        Their BalanceChanged events were decided before anything this instance decides now
        (and are republished among themselves in that order, `handling`): published in
        several batches, or after a new decision on the same account, an account's events
        would leave in another order than its balances were computed."""
        revocations = self._revocations
        self._rewound.clear()
        reached: dict[tuple[str, int], int] = {}
        messages: list[Any] = []
        deadline = time.perf_counter() + _IN_DOUBT_STALL_S
        while not all(reached.get(key, -1) >= last for key, last in self._in_doubt.items()):
            if self._stop.is_set():
                break
            if time.perf_counter() > deadline:
                _LOGGER.warning(
                    "answers in doubt not all read in time; publishing what was",
                    extra={"partitions": sorted(p for _, p in self._in_doubt)},
                )
                break
            got = self._consumer.consume(self._batch_size, self._poll_timeout_s)
            if self._rewound:
                return self._give_back(messages + got)
            if got:
                deadline = time.perf_counter() + _IN_DOUBT_STALL_S
            else:
                # A partition lost without a revocation would otherwise be waited for.
                owned = {(p.topic, p.partition) for p in self._consumer.assignment()}
                self._in_doubt = {k: v for k, v in self._in_doubt.items() if k in owned}
            for message in got:
                error = message.error()
                if error is None:
                    key = (message.topic(), message.partition())
                    reached[key] = max(reached.get(key, -1), message.offset())
                    messages.append(message)
                elif error.code() == KafkaError._AUTO_OFFSET_RESET:
                    # Now, not after the batch: the partition reads nothing until then.
                    self._reset_position(message, error)
                else:
                    messages.append(message)
        if self._revocations != revocations:
            messages = self._owned(messages)
        kept: list[Any] = []
        later: list[Any] = []
        for message in messages:
            last = self._in_doubt.get((message.topic(), message.partition()))
            if message.error() is None and (last is None or message.offset() > last):
                later.append(message)
            else:
                kept.append(message)
        self._in_doubt.clear()
        self._rewind(later)
        return kept

    def _stored_beyond(self, committed: dict[int, int]) -> dict[int, int] | None:
        """`storage.in_doubt.last_stored_offsets`, retried while PostgreSQL is down; None if
        stopped meanwhile."""
        while True:
            try:
                with self._database.transaction() as connection:
                    stored = last_stored_offsets(connection, committed)
                self._postgres.succeeded()
                return stored
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                if self._postgres_down(exc):
                    return None

    def _postgres_down(self, exc: Exception) -> bool:
        """Log and count PostgreSQL going away, then back off; True if stopped meanwhile."""
        self._postgres.failed(exc)
        self._metrics.retries.labels(dependency="postgresql").inc()
        return self._stop.wait(self._backoff.next_delay_s())

    def _reset_position(self, message: Any, error: KafkaError) -> None:
        """librdkafka found no usable position for a partition: no committed offset, or one
        out of range. It never picks a start by itself here (`auto.offset.reset` is `error`):
        reading a partition again from its beginning answers every command on it a second
        time, so only a group that never committed the partition starts there. Otherwise
        the partition goes to its committed offset, asked again (stable: after pending
        transactions settle), kept inside the log's current range (retention may have
        removed its start)."""
        partition = TopicPartition(message.topic(), message.partition())
        committed = self._ask(lambda: self._consumer.committed([partition], _COMMITTED_TIMEOUT_S))
        if committed is None:
            return
        [position] = committed
        if position.error is None and position.offset >= 0:
            watermarks = self._ask(
                lambda: self._consumer.get_watermark_offsets(
                    partition, _COMMITTED_TIMEOUT_S, cached=False
                )
            )
            if watermarks is None:
                return
            low, high = watermarks
            target = min(max(position.offset, low), high)
            # Not a first start: librdkafka would have read the partition from its
            # beginning here. Worth a line an operator sees.
            _LOGGER.warning(
                "no position from librdkafka for a committed partition; resuming it",
                extra={
                    "partition": partition.partition,
                    "error": error.str(),
                    "committed": position.offset,
                    "low": low,
                    "high": high,
                    "offset": target,
                },
            )
        else:
            target = OFFSET_BEGINNING
            _LOGGER.info(
                "partition never committed by the group: starting at its beginning",
                extra={"partition": partition.partition},
            )
        try:
            # librdkafka refuses a seek on a partition stopped by this error ("Erroneous
            # state"); assigning it again with an explicit offset restarts its fetcher.
            self._consumer.incremental_unassign([partition])
            self._consumer.incremental_assign(
                [TopicPartition(partition.topic, partition.partition, target)]
            )
        except KafkaException as exc:
            # Not ours any more: its next owner starts from the committed offset.
            _LOGGER.info("could not reset", extra={"error": str(exc)})

    def _ask(self, call: Callable[[], _T]) -> _T | None:
        """`call` (a question to Kafka), retried with back-off until it answers; None if
        the loop was stopped first."""
        while not self._stop.is_set():
            try:
                return call()
            except KafkaException as exc:
                self.kafka.failed(exc)
                self._stop.wait(self._backoff.next_delay_s())
        return None

    def _not_answered(self, messages: list[Any], *, find_in_doubt: bool = True) -> list[Any]:
        """`messages` without those below their partition's committed offset.

        The group's committed offset of a partition moves only in the handler's Kafka
        transactions, together with the answers to every command below it. A consumer that
        reads below it again (a position reset to the partition's beginning, a rewind after
        a transaction that did commit) would answer those commands a second time and commit
        the offset backwards; skipping them keeps each answer on the wire once, whatever
        moved the position. The offsets are asked once per assignment, not per batch."""
        unknown = {(m.topic(), m.partition()) for m in messages}
        if unknown - self._floors.keys():
            # Every owned partition at once, not only those this batch happens to hold: the
            # answers in doubt of one whose messages come later must still go first.
            unknown.update((p.topic, p.partition) for p in self._consumer.assignment())
        unknown -= self._floors.keys()
        if unknown:
            partitions = [TopicPartition(t, p) for t, p in sorted(unknown)]
            committed = self._ask(
                lambda: _checked(self._consumer.committed(partitions, _COMMITTED_TIMEOUT_S))
            )
            if committed is None:
                return []
            floors = {(p.topic, p.partition): max(0, p.offset) for p in committed}
            # Not for the batch of answers in doubt itself: it is what it would find.
            stored = (
                self._stored_beyond({p: o for (_, p), o in floors.items()}) if find_in_doubt else {}
            )
            if stored is None:
                return []
            self._floors.update(floors)
            in_doubt = {(t, p): stored[p] for t, p in floors if p in stored}
            if in_doubt:
                # Read again, as one batch of its own (`_gather_in_doubt`).
                _LOGGER.info(
                    "answers stored beyond the committed offset: publishing them first",
                    extra={
                        "partitions": {p: [floors[(t, p)], o] for (t, p), o in in_doubt.items()}
                    },
                )
                self._in_doubt.update(in_doubt)
                self._rewind(messages)
                return []
        kept: list[Any] = []
        skipped: list[Any] = []
        for message in messages:
            floor = self._floors[(message.topic(), message.partition())]
            (kept if message.offset() >= floor else skipped).append(message)
        if skipped:
            _LOGGER.warning(
                "skipped commands below the committed offset: answered already",
                extra={
                    "count": len(skipped),
                    "partitions": sorted({m.partition() for m in skipped}),
                    "first": min(m.offset() for m in skipped),
                    "last": max(m.offset() for m in skipped),
                },
            )
        return kept

    def _give_back(self, messages: list[Any]) -> list[Any]:
        """The batch in flight failed while this one was gathering (settled in a revocation
        callback inside consume()) and its partitions were sought back. What was gathered
        came after it: publishing it would commit offsets past the failed batch, which is
        then read again and answered twice. So all of it is read again: partitions not
        sought back go back to the first message gathered from them."""
        self._rewind([m for m in messages if (m.topic(), m.partition()) not in self._rewound])
        return []

    def _owned(self, messages: list[Any]) -> list[Any]:
        """Drop what was read from partitions revoked while gathering: their next owner reads
        them from the committed offset. Publishing them here would also commit offsets of a
        partition this instance no longer owns, which can move the next owner's backwards
        (answers twice) or forwards past commands it has not answered."""
        owned = {(p.topic, p.partition) for p in self._consumer.assignment()}
        kept = [m for m in messages if (m.topic(), m.partition()) in owned]
        if len(kept) < len(messages):
            _LOGGER.info(
                "dropped messages of revoked partitions", extra={"count": len(messages) - len(kept)}
            )
        return kept

    def _assigned(self, _consumer: Any, partitions: list[TopicPartition]) -> None:
        # Called inside consume(), between batches: no transaction is open here.
        if not partitions:
            return
        _LOGGER.info(
            "partitions assigned", extra={"partitions": sorted(p.partition for p in partitions)}
        )

    def _revoked(self, _consumer: Any, partitions: list[TopicPartition]) -> None:
        # Their offsets may be in the transaction in flight: settle it before they move.
        self._revocations += 1
        self._finish_in_flight()
        for partition in partitions:
            # A next assignment asks again: another owner may have moved it meanwhile.
            self._floors.pop((partition.topic, partition.partition), None)
            self._in_doubt.pop((partition.topic, partition.partition), None)
        _LOGGER.info(
            "partitions revoked", extra={"partitions": sorted(p.partition for p in partitions)}
        )
        for partition in partitions:
            self._metrics.consumer_lag.remove(str(partition.partition))

    def handle_batch(self, messages: Sequence[Any]) -> None:
        """Decide, store and publish one polled batch (or leave it to be read again)."""
        started = time.perf_counter()
        decoded = self._decode(messages)
        if decoded is None:
            return
        decoded_at = time.perf_counter()
        commands, dead_letters = decoded
        stored = self._store(commands) if commands else (HandledBatch(), [])
        if stored is None:
            return
        stored_at = time.perf_counter()
        handled, unstorable = stored
        if unstorable:
            by_source = {(m.partition(), m.offset()): m for m in messages}
            for item, reason in unstorable:
                message = by_source[(item.source.partition, item.source.offset)]
                dead_letters.append(self._dead_letter(message, reason))
        # One publish in flight at a time: the previous batch's Kafka transaction must
        # have committed before this batch's may begin, or both are read again.
        waiting = time.perf_counter()
        if not self._finish_in_flight(also_rewind=messages):
            return
        submitted = time.perf_counter()
        future = self._publishing.submit(
            self._serialize_and_publish,
            handled.outgoing,
            dead_letters,
            _next_offsets(messages),
            self._consumer.consumer_group_metadata(),
        )
        self._in_flight = _InFlight(
            future=future,
            messages=messages,
            timestamps_ms=[item.timestamp_ms for item in commands],
            outcomes=Counter(handled.outcomes),
            dead_letters=len(dead_letters),
            started=started,
            gather_s=self._gathered_in_s,
            decode_s=decoded_at - started,
            store_s=stored_at - decoded_at,
            wait_s=submitted - waiting,
            submitted=submitted,
        )

    def _serialize_and_publish(
        self,
        records: Sequence[OutgoingRecord],
        dead_letters: Sequence[OutgoingMessage],
        offsets: list[TopicPartition],
        group_metadata: Any,
    ) -> None:
        """Runs in the publishing thread: serialising a batch's output (~18% of the loop's
        CPU for ~2.5 records per command) here overlaps with the next batch's PostgreSQL
        round trips, during which the loop thread does not hold the GIL. A registry failure
        raises before the Kafka transaction begins; the batch is then read again."""
        outgoing = [self._serialize(r.topic, r.key, r.record) for r in records]
        outgoing.extend(dead_letters)
        started = time.perf_counter()
        self._publisher.publish(outgoing, offsets, group_metadata)
        self._published_at = time.perf_counter()
        self._published_wall_ms = time.time() * 1000
        self._published_s = self._published_at - started

    def _finish_in_flight(self, also_rewind: Sequence[Any] = ()) -> bool:
        """Wait for the batch being published; account it. False if it failed: then its
        messages and `also_rewind` (the batch read after it) have been rewound together, to
        the earliest offset per partition, to be read and published again.

        Rewinding the two batches one after the other would leave each partition at the
        later batch's start and skip the failed one: its commands stored in PostgreSQL but
        never answered, and the next commit's offsets past them."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is None:
            return True
        try:
            in_flight.future.result(
                timeout=max(0.0, in_flight.submitted + self._stuck_publish_s - time.perf_counter())
            )
        except FutureTimeoutError:
            self._publish_stuck()
        except (PublishFailedError, KafkaException) as exc:
            self._publish_failed(exc, [*in_flight.messages, *also_rewind])
            return False
        except RegistryUnavailableError as exc:
            self._registry.failed(exc)
            self._publish_failed(exc, [*in_flight.messages, *also_rewind], "registry")
            return False
        self._registry.succeeded()
        self.kafka.succeeded()
        self._backoff.reset()
        for position in _next_offsets(in_flight.messages):
            key = (position.topic, position.partition)
            if key in self._floors:
                self._floors[key] = max(self._floors[key], position.offset)
        self._linger.batch_published(self._published_s)
        self._metrics.linger_seconds.set(self._linger.linger_s())
        finished = time.perf_counter()
        now_ms = self._published_wall_ms  # the commit, not this later collection
        for timestamp_ms in in_flight.timestamps_ms:
            self._metrics.command_latency.observe(max(0.0, now_ms - timestamp_ms) / 1000)
        for (kind, outcome), count in in_flight.outcomes.items():
            self._metrics.commands.labels(kind=kind, outcome=outcome).inc(count)
        if in_flight.dead_letters:
            self._metrics.commands.labels(kind="unknown", outcome="dead_letter").inc(
                in_flight.dead_letters
            )
        self._metrics.batch_size.observe(len(in_flight.messages))
        self._metrics.batch_seconds.observe(finished - in_flight.started)
        self._metrics.phase_seconds.labels(phase="gather").observe(in_flight.gather_s)
        self._metrics.phase_seconds.labels(phase="decode").observe(in_flight.decode_s)
        self._metrics.phase_seconds.labels(phase="store").observe(in_flight.store_s)
        self._metrics.phase_seconds.labels(phase="wait").observe(in_flight.wait_s)
        self._metrics.phase_seconds.labels(phase="publish").observe(
            max(0.0, self._published_at - in_flight.submitted)
        )
        return True

    def _overdue(self, in_flight: _InFlight) -> bool:
        return time.perf_counter() - in_flight.submitted > self._stuck_publish_s

    def _publish_stuck(self) -> NoReturn:
        """The publishing thread is blocked inside the producer past every time-out of
        its own (librdkafka can block in `send_offsets_to_transaction` when the group
        coordinator went away mid-transaction; without a bound the handler stopped answering
        for good after a Kafka restart). Nothing in this process can unblock it, so the
        process is replaced: the new one fences the stuck transaction with the same
        transactional id and reads on from the committed offsets, as after a SIGKILL.
        What the stuck batches stored in PostgreSQL is published again from there."""
        self._stuck = True
        _LOGGER.error(
            "kafka transaction stuck, restarting the handler",
            extra={"waited_s": self._stuck_publish_s},
        )
        self._metrics.retries.labels(dependency="kafka").inc()
        self._on_stuck()

    def _publish_failed(
        self, exc: Exception, messages: Sequence[Any], dependency: str = "kafka"
    ) -> None:
        if dependency == "kafka":
            self.kafka.failed(exc)
        self._metrics.retries.labels(dependency=dependency).inc()
        # A transaction reported failed may still have committed (its outcome lost with the
        # connection): the committed offsets are asked again before these are read again.
        for message in messages:
            key = (message.topic(), message.partition())
            self._floors.pop(key, None)
            # Stored in PostgreSQL, maybe never published: the next batch, all of them.
            self._in_doubt[key] = max(self._in_doubt.get(key, -1), message.offset())
        self._rewind(messages)
        self._stop.wait(self._backoff.next_delay_s())

    def _decode(
        self, messages: Sequence[Any]
    ) -> tuple[list[DecodedCommand], list[OutgoingMessage]] | None:
        commands: list[DecodedCommand] = []
        dead_letters: list[OutgoingMessage] = []
        for message in messages:
            while True:
                try:
                    record = self._serde.deserialize(self._topics.commands, message.value() or b"")
                    self._registry.succeeded()
                    break
                except UndecodableRecord as exc:
                    dead_letters.append(self._dead_letter(message, exc.reason))
                    record = None
                    break
                except RegistryUnavailableError as exc:
                    self._registry.failed(exc)
                    self._metrics.retries.labels(dependency="registry").inc()
                    if self._stop.wait(self._backoff.next_delay_s()):
                        return None
            if isinstance(record, ConfirmMoneyTransfer) and "\x00" in "".join(
                (record.token, record.from_, record.to, record.description)
            ):
                reason = "a text field holds a NUL character, which PostgreSQL text cannot store"
                dead_letters.append(self._dead_letter(message, reason))
            elif isinstance(record, ConfirmAccountCreation | ConfirmMoneyTransfer):
                source = MessageSource(message.partition(), message.offset())
                commands.append(DecodedCommand(record, source, message.timestamp()[1]))
            elif record is not None:
                reason = f"{type(record).__name__} is not a command"
                dead_letters.append(self._dead_letter(message, reason))
        return commands, dead_letters

    def _store(
        self, commands: Sequence[DecodedCommand]
    ) -> tuple[HandledBatch, list[tuple[DecodedCommand, str]]] | None:
        """Decide and commit `commands`; also returns those PostgreSQL refused as data (to
        be dead-lettered). None when stopped while PostgreSQL was unavailable."""
        conflicts = 0
        while True:
            try:
                with self._database.transaction() as connection:
                    handled = handle_commands(connection, commands, self._rng)
                self._postgres.succeeded()
                return handled, []
            except psycopg.DataError as exc:
                # Some command holds a value PostgreSQL refuses: find it by deciding the
                # commands one per transaction, so the others still go through.
                if len(commands) == 1:
                    return HandledBatch(), [(commands[0], f"not storable: {exc}")]
                return self._store_one_by_one(commands)
            except psycopg.IntegrityError as exc:
                # Another instance answered one of these ids (or took a generated iban)
                # while we decided: decide again, now seeing its answer.
                conflicts += 1
                _LOGGER.info("batch conflicted, deciding again", extra={"error": str(exc)})
                if conflicts > _IMMEDIATE_CONFLICT_RETRIES and self._stop.wait(
                    self._backoff.next_delay_s()
                ):
                    return None
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                if self._postgres_down(exc):
                    return None

    def _store_one_by_one(
        self, commands: Sequence[DecodedCommand]
    ) -> tuple[HandledBatch, list[tuple[DecodedCommand, str]]] | None:
        merged = HandledBatch()
        unstorable: list[tuple[DecodedCommand, str]] = []
        for item in commands:
            stored = self._store([item])
            if stored is None:
                return None
            merged.outgoing.extend(stored[0].outgoing)
            merged.outcomes.extend(stored[0].outcomes)
            unstorable.extend(stored[1])
        return merged, unstorable

    def _serialize(self, topic: Any, key: str | uuid.UUID, record: Any) -> OutgoingMessage:
        output = self._topics.output_for(topic)
        return OutgoingMessage(
            output.name, str(key).encode(), self._serde.serialize(output, record)
        )

    def _dead_letter(self, message: Any, reason: str) -> OutgoingMessage:
        origin = DeadLetterOrigin(
            reason=reason,
            topic=message.topic(),
            partition=message.partition(),
            offset=message.offset(),
            service=self._client_id,
        )
        _LOGGER.warning(
            "dead letter",
            extra={
                "reason": reason,
                "topic": origin.topic,
                "partition": origin.partition,
                "offset": origin.offset,
            },
        )
        headers = dead_letter_headers(origin, message.headers())
        return OutgoingMessage(
            self._topics.dead_letter.name, message.key(), message.value(), headers
        )

    def _rewind(self, messages: Sequence[Any]) -> None:
        """Seek back to the batch's first message per partition, to read it again."""
        for partition in _first_offsets(messages):
            self._rewound.add((partition.topic, partition.partition))
            try:
                self._consumer.seek(partition)
            except KafkaException as exc:
                # Not ours any more (rebalanced away): its next owner reads it again.
                _LOGGER.info("could not rewind", extra={"error": str(exc)})


def _checked(partitions: list[TopicPartition]) -> list[TopicPartition]:
    """`partitions` as Kafka answered them, or the first partition's error raised."""
    for partition in partitions:
        if partition.error is not None:
            raise KafkaException(partition.error)
    return partitions


def _first_offsets(messages: Sequence[Any]) -> list[TopicPartition]:
    first: dict[tuple[str, int], int] = {}
    for message in messages:
        key = (message.topic(), message.partition())
        first[key] = min(first.get(key, message.offset()), message.offset())
    return [TopicPartition(t, p, o) for (t, p), o in first.items()]


def _next_offsets(messages: Sequence[Any]) -> list[TopicPartition]:
    last: dict[tuple[str, int], int] = {}
    for message in messages:
        key = (message.topic(), message.partition())
        last[key] = max(last.get(key, -1), message.offset())
    return [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]
