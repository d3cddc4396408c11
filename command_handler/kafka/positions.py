"""Where the handler's consumer stands on each partition of `commands`, and what it must never
read as new: the position keeper.

- **Floors.** A partition's committed offset moves only in the handler's Kafka transactions,
  with the answers to every command below it. A command read again below it (a position
  reset, a rewind after a transaction that did commit) is skipped, never answered twice.
  Floors are asked once per assignment and after a failed publish, and move with each
  publish.
- **Answers in doubt.** Answers stored but maybe never published (after a failed publish,
  or found in storage beyond a new partition's floor) go out first, as one batch of their
  own, so each account's BalanceChanged events keep the order of its balances.
- **Rewind.** A batch that was not published is sought back to be read again; a batch
  gathered while an earlier one failed is given back too.
- **Revocation.** Messages of a partition revoked while gathering are dropped; its floor and
  doubts are forgotten, since another owner may move it.
- **Reach.** Answers in doubt far beyond the committed offset mean Kafka lost the offset the
  handler left: only the last of them are published again (`reach`).
- **An earlier owner's doubts.** A process decides nothing until the answers in doubt it
  found, at its first assignment, on partitions it does not own have been published by
  their owner or have come to it. A handler killed right after it joined the group still
  holds partitions until its session ends; deciding meanwhile would publish an account's
  new change before the change its predecessor stored and never published.
- **No position** (`no_position`): librdkafka never picks a start by itself
  (`auto.offset.reset=error`); only a partition the group never committed starts at its
  beginning.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaException, TopicPartition

from command_handler.backoff import Backoff
from command_handler.kafka.questions import KafkaQuestions
from command_handler.kafka.reach import Partition, Reach, far_behind, reach
from command_handler.logs import StateLog
from topology.kafka_errors import is_fatal
from topology.offsets import first_offsets, next_offsets

__all__ = ["Partition", "PositionKeeper"]

_LOGGER = logging.getLogger(__name__)
# How often a process waiting for another member's answers in doubt asks again (s).
_OTHERS_RECHECK_S = 0.2


class PositionKeeper:
    """Floors, answers in doubt and rewinds of one consumer (see the module's docstring).

    `stored_beyond` asks storage which partitions have answers stored at or beyond their
    floor (partition → floor in, partition → last such offset out); None when stopped.
    `most_in_doubt` is the most offsets per partition published again from storage."""

    def __init__(
        self,
        consumer: Any,
        *,
        stored_beyond: Callable[[Mapping[int, int]], dict[int, int] | None],
        stop: threading.Event,
        backoff: Backoff,
        kafka: StateLog,
        partitions: int,
        most_in_doubt: int,
    ) -> None:
        self._consumer = consumer
        self._partitions = partitions
        self._most_in_doubt = most_in_doubt
        # Partitions not owned at the first assignment with answers in doubt (the last one's
        # offset); None until that assignment is checked, empty once they are settled.
        self._others_in_doubt: dict[Partition, int] | None = None
        self._stored_beyond = stored_beyond
        self._stop = stop
        self.questions = KafkaQuestions(consumer, stop=stop, backoff=backoff, kafka=kafka)
        # Per owned partition: its committed offset, below which everything was answered.
        self.floors: dict[Partition, int] = {}
        # Per owned partition with answers maybe never published: the offset of the last.
        self.in_doubt: dict[Partition, int] = {}
        # Partitions sought back since the batch being gathered began.
        self.rewound: set[Partition] = set()
        # Counts revocations, so a batch being gathered can tell one happened under it.
        self.revocations = 0

    def owned(self) -> set[Partition]:
        """The partitions assigned to this consumer now."""
        return {(p.topic, p.partition) for p in self._consumer.assignment()}

    def revoked(self, partitions: Sequence[TopicPartition]) -> None:
        """Forget what was known of `partitions`: a next assignment asks again."""
        self.revocations += 1
        for partition in partitions:
            self.floors.pop((partition.topic, partition.partition), None)
            self.in_doubt.pop((partition.topic, partition.partition), None)

    def published(self, messages: Sequence[Any]) -> None:
        """A batch's transaction committed: its offsets are the new floors."""
        for position in next_offsets(messages):
            key = (position.topic, position.partition)
            if key in self.floors:
                self.floors[key] = max(self.floors[key], position.offset)

    def publish_failed(self, messages: Sequence[Any]) -> None:
        """A batch was stored but maybe not published: read it again, first and alone.

        A transaction reported failed may still have committed (its outcome lost with the
        connection), so the floors are asked again before it is read again."""
        for message in messages:
            key = (message.topic(), message.partition())
            self.floors.pop(key, None)
            self.in_doubt[key] = max(self.in_doubt.get(key, -1), message.offset())
        self.rewind(messages)

    def rewind(self, messages: Sequence[Any]) -> None:
        """Seek back to the first of `messages` per partition, to read them again."""
        self._seek(first_offsets(messages))

    def _seek(self, partitions: Sequence[TopicPartition]) -> None:
        for partition in partitions:
            self.rewound.add((partition.topic, partition.partition))
            try:
                self._consumer.seek(partition)
            except KafkaException as exc:
                # Not ours any more (rebalanced away): its next owner reads it again.
                _LOGGER.info("could not rewind", extra={"error": str(exc)})

    def give_back(self, messages: Sequence[Any]) -> list[Any]:
        """The batch in flight failed while these were gathered (settled in a revocation
        callback inside consume()) and its partitions were sought back. These came after
        it: all of them are read again, never published past the failed batch. A fatal
        consumer error among them is handed on."""
        fatal = [m for m in messages if _fatal(m)]
        records = [m for m in messages if m not in fatal]
        self.rewind([m for m in records if (m.topic(), m.partition()) not in self.rewound])
        return fatal

    def drop_revoked(self, messages: list[Any]) -> list[Any]:
        """`messages` without those of partitions revoked while gathering: publishing them
        would commit offsets of a partition another instance owns now."""
        owned = self.owned()
        kept = [m for m in messages if _fatal(m) or (m.topic(), m.partition()) in owned]
        if len(kept) < len(messages):
            _LOGGER.info(
                "dropped messages of revoked partitions", extra={"count": len(messages) - len(kept)}
            )
        return kept

    def not_answered(self, messages: list[Any], *, find_in_doubt: bool = True) -> list[Any]:
        """`messages` without those below their partition's floor; empty (and the batch
        rewound) when answers in doubt were found that must go first."""
        # Before anything of our own: what we find in doubt then goes out with the rest.
        if messages and not self._others_settled(messages[0].topic()):
            self.rewind(messages)
            return []
        unknown = {(m.topic(), m.partition()) for m in messages}
        if unknown - self.floors.keys():
            # Every owned partition at once: the answers in doubt of one whose messages
            # come later must still go first.
            unknown |= self.owned()
        unknown -= self.floors.keys()
        if unknown and not self._learn_floors(unknown, messages, find_in_doubt=find_in_doubt):
            return []
        kept: list[Any] = []
        skipped: list[Any] = []
        for message in messages:
            floor = self.floors[(message.topic(), message.partition())]
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

    def _learn_floors(
        self, unknown: set[Partition], messages: list[Any], *, find_in_doubt: bool
    ) -> bool:
        """Ask the committed offsets of `unknown`, and storage for answers in doubt beyond
        them; False when the batch must not go on (stopped, or doubts to publish first)."""
        # Not for the batch of answers in doubt itself: it is what it would find.
        found = self._find_doubts(unknown, in_storage=find_in_doubt)
        if found is None:
            return False
        floors, reached = found
        self.floors.update(floors)
        self.floors.update(reached.raised)
        in_doubt = reached.in_doubt
        if not in_doubt:
            return True
        _LOGGER.info(
            "answers stored beyond the committed offset: publishing them first",
            extra={"partitions": {p: [self.floors[(t, p)], o] for (t, p), o in in_doubt.items()}},
        )
        self.in_doubt.update(in_doubt)
        self.rewind(messages)
        # After the rewind, which may have sought them back to the committed offset.
        self._seek([TopicPartition(t, p, o) for (t, p), o in reached.raised.items()])
        return False

    def _find_doubts(
        self, partitions: set[Partition], *, in_storage: bool = True
    ) -> tuple[dict[Partition, int], Reach] | None:
        """The committed offsets of `partitions` and the answers stored beyond them that
        may be in doubt; None if stopped."""
        asked = [TopicPartition(t, p) for t, p in sorted(partitions)]
        committed = self.questions.committed(asked)
        if committed is None:
            return None
        floors = {(p.topic, p.partition): max(0, p.offset) for p in committed}
        stored = self._stored_beyond({p: o for (_, p), o in floors.items()}) if in_storage else {}
        if stored is None:
            return None
        reached = self._within_reach({k: stored[k[1]] for k in floors if k[1] in stored}, floors)
        return None if reached is None else (floors, reached)

    def _within_reach(
        self, in_doubt: dict[Partition, int], floors: Mapping[Partition, int]
    ) -> Reach | None:
        """`in_doubt` (beyond `floors`) without what no failed publish can have left in
        doubt (`reach`); None if stopped."""
        log_ends: dict[Partition, int] = {}
        for key in far_behind(in_doubt, floors, self._most_in_doubt):
            watermarks = self.questions.watermarks(TopicPartition(*key))
            if watermarks is None:
                return None
            log_ends[key] = watermarks[1]
        reached = reach(in_doubt, floors, log_ends, self._most_in_doubt)
        for key, floor in reached.raised.items():
            _LOGGER.error(
                "answers stored far beyond the committed offset: Kafka lost the offset the"
                " handler committed; publishing only the last of them again",
                extra={
                    "partition": key[1],
                    "committed": floors[key],
                    "last_stored": reached.in_doubt[key],
                    "published_again_from": floor,
                },
            )
        for (_, partition), last in reached.beyond_log.items():
            _LOGGER.error(
                "answers stored beyond the end of the partition's log: they were read from"
                " an earlier log of the topic and are not published again",
                extra={"partition": partition, "last_stored": last},
            )
        return reached

    def _others_settled(self, topic: str) -> bool:
        """False while answers in doubt found at the first assignment on partitions another
        member owns are neither published (their committed offset passed them) nor ours."""
        if self._others_in_doubt == {}:
            return True
        owned = self.owned()
        if self._others_in_doubt is None:
            others = {(topic, p) for p in range(self._partitions)} - owned
            doubts = self._find_doubts(others) if others else ({}, Reach({}))
            if doubts is None:
                return False
            found = doubts[1].in_doubt
            self._others_in_doubt = found
            if found:
                _LOGGER.info(
                    "answers stored beyond the committed offset of partitions another member"
                    " owns: deciding nothing until they are published",
                    extra={"partitions": {p: last for (_, p), last in sorted(found.items())}},
                )
            return not found
        pending = {k: last for k, last in self._others_in_doubt.items() if k not in owned}
        if pending:
            partitions = [TopicPartition(t, p) for t, p in sorted(pending)]
            committed = self.questions.committed(partitions)
            if committed is None:
                return False
            pending = {
                (p.topic, p.partition): pending[(p.topic, p.partition)]
                for p in committed
                if p.offset <= pending[(p.topic, p.partition)]
            }
        self._others_in_doubt = pending
        if pending:
            # Asked again at the next poll; not at every one of them.
            self._stop.wait(_OTHERS_RECHECK_S)
            return False
        _LOGGER.info("answers in doubt of other partitions settled: deciding")
        return True


def _fatal(message: Any) -> bool:
    # A consumer failed for good (a fenced static member): librdkafka hands it out with
    # the revocation of every partition, and it must reach `next_batch`, not be dropped.
    error = message.error()
    return error is not None and is_fatal(error)
