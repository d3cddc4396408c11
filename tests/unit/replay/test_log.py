"""LogReader's reading loop against a fake consumer: it stops at the ends, and a reader
that cannot move says where each partition stands instead of waiting for good."""

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from confluent_kafka import KafkaError

from replay import log
from replay.log import LogReader, LogStalledError
from topology.topics import Topic

TOPIC = Topic(name="t", partitions=2, key="k", record_types=(), configs={})


@dataclass
class FakeMessage:
    partition_: int
    offset_: int
    code: int | None = None

    def error(self) -> KafkaError | None:
        return None if self.code is None else KafkaError(self.code)

    def topic(self) -> str:
        return TOPIC.name

    def partition(self) -> int:
        return self.partition_

    def offset(self) -> int:
        return self.offset_


@dataclass
class FakeConsumer:
    """Answers each consume with the next list of ``polls``, then with nothing, or with one
    record after another on partition ``busy`` when set."""

    ends: dict[int, int]
    polls: list[list[FakeMessage]] = field(default_factory=list)
    busy: int | None = None
    _next: int = 0

    def get_watermark_offsets(self, tp: Any, timeout: float) -> tuple[int, int]:
        return 0, self.ends[tp.partition]

    def assign(self, partitions: list[Any]) -> None:
        pass

    def consume(self, num_messages: int, timeout: float) -> list[FakeMessage]:
        if self.polls:
            return self.polls.pop(0)
        if self.busy is None:
            return []
        time.sleep(0.01)
        self._next += 1
        return [FakeMessage(self.busy, self._next)]

    def close(self) -> None:
        pass


def reader(
    monkeypatch: pytest.MonkeyPatch, consumer: FakeConsumer, stall_s: float = 5.0
) -> LogReader:
    monkeypatch.setattr(log, "Consumer", lambda config: consumer)
    return LogReader({}, [TOPIC], stall_s=stall_s)


def test_reading_stops_at_the_ends_and_keeps_what_lies_beyond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    eof = KafkaError._PARTITION_EOF
    consumer = FakeConsumer(
        ends={0: 2, 1: 1},
        polls=[[FakeMessage(0, 0), FakeMessage(0, 1), FakeMessage(0, 2)], [FakeMessage(1, 1, eof)]],
    )
    read = reader(monkeypatch, consumer)
    offsets = [(m.partition(), m.offset()) for batch in read.batches() for m in batch]
    assert offsets == [(0, 0), (0, 1)]
    assert read.positions == {(TOPIC.name, 0): 3, (TOPIC.name, 1): 1}
    consumer.ends = {0: 3, 1: 1}
    assert [m.offset() for batch in read.read_on() for m in batch] == [2]


def test_a_reader_that_cannot_move_names_each_partition_behind_and_its_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consumer = FakeConsumer(
        ends={0: 4, 1: 0}, polls=[[FakeMessage(0, 0)], [FakeMessage(0, -1, KafkaError._TRANSPORT)]]
    )
    read = reader(monkeypatch, consumer, stall_s=0.5)
    with pytest.raises(LogStalledError) as stalled:
        for _batch in read.batches():
            pass
    message = str(stalled.value)
    assert message.startswith("no partition moved in 0 s: t[0] read to 1 of 4 (")
    assert "t[1]" not in message


def test_records_beyond_the_ends_are_no_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    consumer = FakeConsumer(ends={0: 1, 1: 1}, busy=1)
    read = reader(monkeypatch, consumer, stall_s=0.3)
    with pytest.raises(LogStalledError, match=r"t\[0\] read to 0 of 1$"):
        for _batch in read.batches():
            pass
    assert read.positions[(TOPIC.name, 1)] > 2


def test_a_record_held_beyond_the_end_does_not_move_its_partition_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Record 1 lies past the first end; a commit marker at 2 puts the partition's end at 3,
    # which librdkafka reports once, before the held record is handed out again.
    eof = KafkaError._PARTITION_EOF
    consumer = FakeConsumer(
        ends={0: 1, 1: 0}, polls=[[FakeMessage(0, 0), FakeMessage(0, 1), FakeMessage(0, 3, eof)]]
    )
    read = reader(monkeypatch, consumer, stall_s=0.3)
    assert [m.offset() for batch in read.batches() for m in batch] == [0]
    consumer.ends = {0: 3, 1: 0}
    assert [m.offset() for batch in read.read_on() for m in batch] == [1]
    assert read.positions[(TOPIC.name, 0)] == 3
