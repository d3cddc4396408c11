"""GraphQL types of the Events page: records of the history topics with their place in
the log, batches of them, and one command's chain."""

import strawberry

from backend.api.context import ApiInfo
from backend.api.scalars import Long
from backend.errors import ClientError
from backend.event_hub import EventBatch
from backend.event_log import EventLog
from backend.event_search import CommandChain
from backend.events import LoggedEvent

__all__ = ["EventField", "LogBatch", "LogChain", "LogRecord", "events_of"]


@strawberry.type
class EventField:
    """One field of a record: its Avro name and its value as text (tokens hidden)."""

    name: str
    value: str | None


@strawberry.type
class LogRecord:
    """One record of a history topic, decoded from Avro, at its place in the log."""

    topic: str
    partition: int
    offset: Long
    timestamp_ms: Long = strawberry.field(description="Kafka's timestamp, ms since the epoch.")
    record_type: str = strawberry.field(description="The Avro record name.")
    schema_id: int = strawberry.field(description="From the Confluent wire format's header.")
    command_id: str | None = strawberry.field(
        description="The command this record is or answers (BalanceChanged: if it says so)."
    )
    fields: list[EventField]

    @classmethod
    def from_event(cls, event: LoggedEvent) -> "LogRecord":
        """The GraphQL view of ``event``."""
        return cls(
            topic=event.topic,
            partition=event.partition,
            offset=Long(event.offset),
            timestamp_ms=Long(event.timestamp_ms),
            record_type=event.record_type,
            schema_id=event.schema_id,
            command_id=event.command_id,
            fields=[EventField(name=name, value=value) for name, value in event.fields()],
        )


@strawberry.type
class LogBatch:
    """Records of one window, in log order per partition, and how they were sampled."""

    records: list[LogRecord]
    sampled_one_in: int = strawberry.field(
        description="1: every matching record is here; k: about one in k."
    )
    matched: int = strawberry.field(description="Records of the window matching the filter.")
    left_out: int = strawberry.field(description="Matching records not sent (sampling).")
    window_ms: int = strawberry.field(description="The window's length (0: the recent past).")

    @classmethod
    def from_batch(cls, batch: EventBatch) -> "LogBatch":
        """The GraphQL view of ``batch``."""
        return cls(
            records=[LogRecord.from_event(event) for event in batch.events],
            sampled_one_in=batch.sampled_one_in,
            matched=batch.matched,
            left_out=batch.left_out,
            window_ms=batch.window_ms,
        )


@strawberry.type
class LogChain:
    """A command, its answer and the balance changes it caused (null: not in the
    backend's recent window of the log)."""

    command: LogRecord | None
    answer: LogRecord | None
    balance_changes: list[LogRecord]
    matched_by: str | None = strawberry.field(
        description="How balance changes were matched: `command id` or `content`."
    )

    @classmethod
    def from_chain(cls, chain: CommandChain) -> "LogChain":
        """The GraphQL view of ``chain``."""
        return cls(
            command=None if chain.command is None else LogRecord.from_event(chain.command),
            answer=None if chain.answer is None else LogRecord.from_event(chain.answer),
            balance_changes=[LogRecord.from_event(e) for e in chain.balance_changes],
            matched_by=chain.matched_by,
        )


def events_of(info: ApiInfo) -> EventLog:
    """The app's event log, or a clear error where none runs."""
    events = info.context.events
    if events is None:
        raise ClientError("the event log is not available on this server", "UNAVAILABLE")
    return events
