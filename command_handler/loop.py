"""The command loop: gather a batch → decode → decide and store (one storage transaction) →
publish its answers and offsets (one Kafka transaction), repeat.

The Kafka transaction of batch N runs in `PublishPipeline`'s thread while batch N+1 is
decided; N+1 is published only after N committed, and if N failed both are read again. A
crash before the storage commit loses nothing (the commands are read again); after it, the
stored outcome is published again, so nothing is applied or answered twice
(`PositionKeeper` keeps the positions that guarantee it). A dependency that fails is retried
with back-off, the batch kept; a stop request is honoured between batches.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from command_handler.backoff import Backoff
from command_handler.deciding import BatchDecider
from command_handler.dependencies import Dependency
from command_handler.kafka.batches import CommandBatches, ConsumerFatalError
from command_handler.kafka.dead_letters import dead_letter
from command_handler.kafka.decoding import DecodedBatch, decode_commands
from command_handler.kafka.pipeline import Publisher, PublishPipeline, PublishStuckError, Settled
from command_handler.kafka.positions import PositionKeeper
from command_handler.kafka.publisher import OutgoingMessage
from command_handler.kafka.reach import IN_DOUBT_BATCHES
from command_handler.linger import AdaptiveLinger
from command_handler.metrics import HandlerMetrics
from command_handler.storage import CommandStore, StorageUnavailableError
from command_handler.topics import HandlerTopics
from command_handler.tracing import BatchTrace, start_batch_trace
from topology.offsets import next_offsets
from topology.serde import RecordSerde, RegistryUnavailableError

__all__ = ["CommandLoop", "LoopOptions", "PublishStuckError"]

_LOGGER = logging.getLogger(__name__)


def _raise_stuck() -> NoReturn:
    raise PublishStuckError("kafka transaction stuck")


@dataclass(frozen=True, slots=True)
class LoopOptions:
    """How one instance batches (see `settings` for each knob)."""

    client_id: str
    batch_size: int = 2_000
    poll_timeout_ms: int = 100
    max_linger_ms: int = 20
    # A publish not done after this long is stuck, not slow: the service passes the Kafka
    # transaction time-out plus a margin (the broker aborts the transaction by then).
    stuck_publish_s: float = 60.0


@dataclass(frozen=True, slots=True)
class _Batch:
    """What to account once a batch's transaction committed."""

    timestamps_ms: list[int]
    outcomes: Counter[tuple[str, str]]
    dead_letters: int
    started: float
    phases: dict[str, float]
    trace: BatchTrace


class CommandLoop:
    """One handler instance: this thread gathers, decodes and stores; the pipeline's thread
    publishes. `on_stuck` ends the process when a Kafka client cannot go on: a publish that
    hangs, a consumer failed for good (default: raise)."""

    def __init__(
        self,
        *,
        consumer: Any,
        publisher: Publisher,
        store: CommandStore,
        serde: RecordSerde,
        topics: HandlerTopics,
        metrics: HandlerMetrics,
        stop: threading.Event,
        options: LoopOptions,
        rng: random.Random,
        on_stuck: Callable[[], NoReturn] = _raise_stuck,
    ) -> None:
        self._store = store
        self._serde = serde
        self._topics = topics
        self._metrics = metrics
        self._stop = stop
        self._client_id = options.client_id
        self._on_stuck = on_stuck
        backoff = Backoff()
        self._backoff = backoff

        def dependency(name: str, *down_errors: type[Exception]) -> Dependency:
            return Dependency(
                name, down_errors=down_errors, retries=metrics.retries, backoff=backoff, stop=stop
            )

        self.postgres = dependency("postgresql", StorageUnavailableError)
        self.registry = dependency("registry", RegistryUnavailableError)
        self.kafka = dependency("kafka")
        self.positions = PositionKeeper(
            consumer,
            stored_beyond=self.stored_beyond,
            stop=stop,
            backoff=backoff,
            kafka=self.kafka.state,
            partitions=topics.commands.partitions,
            most_in_doubt=IN_DOUBT_BATCHES * options.batch_size,
        )
        self.batches = CommandBatches(
            consumer,
            self.positions,
            topic=topics.commands.name,
            batch_size=options.batch_size,
            poll_timeout_s=options.poll_timeout_ms / 1000,
            linger=AdaptiveLinger(options.max_linger_ms / 1000),
            stop=stop,
            kafka=self.kafka.state,
        )
        self.decider = BatchDecider(store, rng, postgres=self.postgres, backoff=backoff, stop=stop)
        self.pipeline = PublishPipeline(
            publisher, serde, topics, stuck_after_s=options.stuck_publish_s
        )

    def run(self) -> None:
        """Handle batches until `stop` is set; the caller closes the clients afterwards."""
        self.batches.subscribe(keep_gathering=self.pipeline.busy, on_revoke=self._revoked)
        try:
            while not self._stop.is_set():
                self.poll_once()
            self.settle()
        finally:
            self.pipeline.shutdown()

    def poll_once(self) -> None:
        """Gather and handle one batch; with nothing new, settle a publish that is due (a
        failure is read again at once, a stuck one noticed even at idle)."""
        gather_started = time.perf_counter()
        try:
            messages = self.batches.next_batch()
        except ConsumerFatalError as exc:
            _LOGGER.error(
                "kafka consumer failed for good, the handler exits to be restarted",
                extra={"error": str(exc)},
            )
            self._on_stuck()
        if messages:
            self.handle_batch(messages, gather_s=time.perf_counter() - gather_started)
        elif self.pipeline.due():
            self.settle()

    def handle_batch(self, messages: Sequence[Any], gather_s: float = 0.0) -> None:
        """Decode, decide and store `messages`, then submit them for publishing (or leave
        them to be read again)."""
        started = time.perf_counter()
        started_ns = time.time_ns()
        decoded = self.registry.call(lambda: self._decode(messages))
        if decoded is None:
            return
        decoded_at = time.perf_counter()
        trace = start_batch_trace(messages, decoded.commands, started_ns)
        with trace.child("postgresql transaction"):
            decided = self.decider.decide(decoded.commands)
        if decided is None:
            trace.end(0.0, error=RuntimeError("stopped before storing"))
            return
        trace.mark("stored")
        stored_at = time.perf_counter()
        undecidable = list(decoded.undecidable)
        if decided.unstorable:
            by_source = {(m.partition(), m.offset()): m for m in messages}
            undecidable += [
                (by_source[(c.source.partition, c.source.offset)], r) for c, r in decided.unstorable
            ]
        dead_letters = [self._dead_letter(message, reason) for message, reason in undecidable]
        # The previous batch must have committed before this one may begin, or both are
        # read again.
        if not self.settle(also_rewind=messages):
            trace.end(0.0, error=RuntimeError("read again: the batch before it failed"))
            return
        submitted = time.perf_counter()
        report = _Batch(
            timestamps_ms=[item.timestamp_ms for item in decoded.commands],
            outcomes=Counter(decided.handled.outcomes),
            dead_letters=len(dead_letters),
            started=started,
            phases={
                "gather": gather_s,
                "decode": decoded_at - started,
                "store": stored_at - decoded_at,
                "wait": submitted - stored_at,
            },
            trace=trace,
        )
        self.pipeline.submit(
            report,
            messages,
            decided.handled.outgoing,
            dead_letters,
            next_offsets(messages),
            self.batches.group_metadata(),
            trace,
        )

    def settle(self, also_rewind: Sequence[Any] = ()) -> bool:
        """Wait for the batch being published and account it. False if it failed: then its
        messages and `also_rewind` (the batch read after it) are read again together, from
        the earliest offset per partition (one after the other would skip the failed one)."""
        settled = self.pipeline.settle()
        if settled is None:
            return True
        if isinstance(settled.error, PublishStuckError):
            self._publish_stuck()
        if settled.error is not None:
            settled.batch.trace.end(0.0, error=settled.error)
            self._publish_failed(settled.error, [*settled.messages, *also_rewind])
            return False
        self.registry.succeeded()
        self.kafka.succeeded()
        self._backoff.reset()
        self.positions.published(settled.messages)
        self.batches.linger.batch_published(settled.transaction_s)
        self._metrics.linger_seconds.set(self.batches.linger.linger_s())
        self._account(settled)
        return True

    def stored_beyond(self, committed: Mapping[int, int]) -> dict[int, int] | None:
        """`CommandStore.last_stored_offsets`, retried while storage is down; None if stopped."""
        return self.postgres.call(lambda: self._store.last_stored_offsets(committed))

    def _decode(self, messages: Sequence[Any]) -> DecodedBatch:
        return decode_commands(messages, self._serde, self._topics.commands)

    def _account(self, settled: Settled) -> None:
        batch: _Batch = settled.batch
        batch.trace.end(settled.committed_wall_ms)
        self._metrics.batch_published(
            timestamps_ms=batch.timestamps_ms,
            outcomes=batch.outcomes,
            dead_letters=batch.dead_letters,
            size=len(settled.messages),
            committed_wall_ms=settled.committed_wall_ms,
            # The publish phase ends at the commit, not when this thread collects it.
            phases={**batch.phases, "publish": max(0.0, settled.committed_at - settled.submitted)},
            batch_s=time.perf_counter() - batch.started,
        )

    def _publish_failed(self, exc: Exception, messages: Sequence[Any]) -> None:
        self.positions.publish_failed(messages)
        registry_down = isinstance(exc, RegistryUnavailableError)
        (self.registry if registry_down else self.kafka).failed(exc)

    def _publish_stuck(self) -> NoReturn:
        """The publishing thread is blocked inside librdkafka past all its own time-outs.
        Nothing in this process can unblock it, so the process ends and its supervisor
        starts a new one, which fences the stuck transaction and reads on from the committed
        offsets, as after a SIGKILL."""
        _LOGGER.error(
            "kafka transaction stuck, the handler exits to be restarted",
            extra={"waited_s": self.pipeline.stuck_after_s},
        )
        self._metrics.retries.labels(dependency="kafka").inc()
        self._on_stuck()

    def _revoked(self, partitions: Sequence[Any]) -> None:
        # Their offsets may be in the transaction in flight: settle it before they move.
        self.settle()
        self._metrics.forget_partitions([p.partition for p in partitions])

    def _dead_letter(self, message: Any, reason: str) -> OutgoingMessage:
        return dead_letter(
            message, reason, topic=self._topics.dead_letter.name, service=self._client_id
        )
