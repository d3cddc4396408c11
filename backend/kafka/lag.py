"""Consumer lag per group and the end offsets of ``commands``, read with the Admin API.

Lag is the sum over a group's partitions of (end offset minus committed offset), as
bench/lag.py measures it; committed offsets trail by the consumers' auto-commit interval,
so a few hundred messages at high load is normal and only a growing lag says a group falls
behind. End offsets are read committed (the last stable offset), so the handler's
transaction markers are not counted as messages. The end offsets of ``commands`` also give
the dashboard its commands/s: every producer (generator, API, benchmark) writes there.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import (
    ConsumerGroupTopicPartitions,
    IsolationLevel,
    KafkaException,
    TopicPartition,
)
from confluent_kafka import admin as kafka_admin
from confluent_kafka.admin import AdminClient

from topology.topics import COMMANDS

__all__ = ["LagReader", "LagReading"]

_log = logging.getLogger(__name__)
_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class LagReading:
    """Messages behind per group (None: unreadable now) and the records ever in ``commands``."""

    lag: dict[str, int | None]
    commands_end: int | None


class LagReader:
    """One admin client; ``read()`` blocks for up to a few seconds (call it in a thread)."""

    def __init__(self, config: dict[str, Any], groups: Sequence[str]) -> None:
        self._admin = AdminClient(config)
        self._groups = tuple(groups)
        self._unreadable: set[str] = set()

    def _note(self, what: str, error: KafkaException | None) -> None:
        # One line when a reading starts failing and one when it is back, not one a second.
        if error is not None and what not in self._unreadable:
            self._unreadable.add(what)
            _log.warning("dashboard: %s unreadable: %s", what, error)
        elif error is None and what in self._unreadable:
            self._unreadable.discard(what)
            _log.info("dashboard: %s readable again", what)

    def _committed(self, group: str) -> list[TopicPartition]:
        request = [ConsumerGroupTopicPartitions(group)]
        futures = self._admin.list_consumer_group_offsets(request, request_timeout=_TIMEOUT_S)
        found: list[TopicPartition] = futures[group].result().topic_partitions or []
        # A partition with nothing committed yet (offset < 0) has no lag to speak of.
        return [p for p in found if p.offset >= 0 and p.error is None]

    def _command_partitions(self) -> list[TopicPartition]:
        metadata = self._admin.list_topics(COMMANDS.name, timeout=_TIMEOUT_S)
        topic = metadata.topics.get(COMMANDS.name)
        if topic is None or topic.error is not None:
            return []
        return [TopicPartition(COMMANDS.name, p) for p in sorted(topic.partitions)]

    def _ends(self, partitions: Sequence[TopicPartition]) -> dict[tuple[str, int], int]:
        if not partitions:
            return {}
        # OffsetSpec is public but missing from confluent_kafka.admin's __all__ (and untyped).
        latest = kafka_admin.OffsetSpec.latest()  # type: ignore[attr-defined, no-untyped-call]
        wanted = {TopicPartition(p.topic, p.partition): latest for p in partitions}
        futures = self._admin.list_offsets(
            wanted,
            isolation_level=IsolationLevel.READ_COMMITTED,
            request_timeout=_TIMEOUT_S,
        )
        return {(tp.topic, tp.partition): future.result().offset for tp, future in futures.items()}

    def read(self) -> LagReading:
        """One reading; a group or offset Kafka refuses now is None, not an error."""
        committed: dict[str, list[TopicPartition] | None] = {}
        for group in self._groups:
            try:
                committed[group] = self._committed(group)
            except KafkaException as error:
                self._note(f"offsets of group {group}", error)
                committed[group] = None
            else:
                self._note(f"offsets of group {group}", None)
        try:
            commands = self._command_partitions()
            every = {(p.topic, p.partition): p for found in committed.values() for p in found or []}
            every.update({(p.topic, p.partition): p for p in commands})
            ends = self._ends(list(every.values()))
        except KafkaException as error:
            self._note("end offsets", error)
            return LagReading(dict.fromkeys(self._groups), None)
        self._note("end offsets", None)
        lag: dict[str, int | None] = {}
        for group, partitions in committed.items():
            if partitions is None:
                lag[group] = None
                continue
            lag[group] = sum(
                max(0, ends[(p.topic, p.partition)] - p.offset)
                for p in partitions
                if (p.topic, p.partition) in ends
            )
        commands_end = sum(ends[(p.topic, p.partition)] for p in commands) if commands else None
        return LagReading(lag, commands_end)
