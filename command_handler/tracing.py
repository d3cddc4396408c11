"""The handler's spans (docs/tracing.md).

A batch has a span of its own (its own trace: it serves many commands) that links every
traced command it decided; its PostgreSQL and Kafka transactions are its children. Each
traced command also gets a span in its own trace, child of the span that sent it and linked
to the batch span, from the batch's start to its Kafka commit; what the command caused
(feedback, BalanceChanged) carries that span in its `traceparent` header, so the backend's
delivery continues the same trace. A command without a sampled `traceparent` costs one
header look-up.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode

from command_handler.handling import DecodedCommand, OutgoingRecord
from topology.tracing import TRACEPARENT, context_from_headers, traceparent_of

__all__ = ["BatchTrace", "start_batch_trace"]

_TRACER = trace.get_tracer("open-bank.command-handler")
_Headers = list[tuple[str, bytes]]


class BatchTrace:
    """The spans of one batch; every method is cheap when nothing in it is traced."""

    def __init__(
        self, batch: Span, commands: dict[uuid.UUID, Span], tracer: trace.Tracer = _TRACER
    ) -> None:
        self._tracer = tracer
        self._batch = batch
        self._commands = commands
        self._headers: dict[uuid.UUID, _Headers] = {
            command_id: [(TRACEPARENT, value.encode())]
            for command_id, span in commands.items()
            if (value := traceparent_of(span)) is not None
        }

    @property
    def traced_commands(self) -> int:
        return len(self._commands)

    @contextmanager
    def child(self, name: str) -> Iterator[None]:
        """A span under the batch span around the block (any thread)."""
        if not self._batch.is_recording():
            yield
            return
        parent = trace.set_span_in_context(self._batch)
        with self._tracer.start_as_current_span(name, context=parent):
            yield

    def mark(self, event: str) -> None:
        """Record that the batch reached `event` (e.g. `stored`) on every command span."""
        if self._commands:
            now = time.time_ns()
            for span in self._commands.values():
                span.add_event(event, timestamp=now)

    def headers(self, records: Sequence[OutgoingRecord]) -> list[_Headers | None]:
        """The headers of each record: its command's span. A command's feedback (keyed by
        its id) comes first and its BalanceChanged events after it (`handling`); records
        published again from storage precede every feedback and carry none."""
        if not self._headers:
            return [None] * len(records)
        cause: _Headers | None = None
        found: list[_Headers | None] = []
        for record in records:
            if isinstance(record.key, uuid.UUID):
                cause = self._headers.get(record.key)
            found.append(cause)
        return found

    def end(self, committed_wall_ms: float, error: Exception | None = None) -> None:
        """End every span at the Kafka commit (or at once with `error`)."""
        end_ns = int(committed_wall_ms * 1e6) if error is None else time.time_ns()
        for span in (*self._commands.values(), self._batch):
            if error is not None:
                span.set_status(Status(StatusCode.ERROR, str(error)))
            span.end(end_time=end_ns)


def _traced_sources(messages: Sequence[Any]) -> dict[tuple[int, int], Context]:
    traced: dict[tuple[int, int], Context] = {}
    for message in messages:
        parent = context_from_headers(message.headers())
        if parent is not None:
            traced[(message.partition(), message.offset())] = parent
    return traced


def start_batch_trace(
    messages: Sequence[Any],
    commands: Sequence[DecodedCommand],
    started_ns: int,
    tracer: trace.Tracer = _TRACER,
) -> BatchTrace:
    """The spans of a batch read as `messages` and decoded as `commands`, begun at
    `started_ns` (epoch ns, when its handling began); tests pass their own `tracer`."""
    traced = _traced_sources(messages)
    parents: dict[uuid.UUID, Context] = {}
    if traced:
        for item in commands:
            parent = traced.get((item.source.partition, item.source.offset))
            if parent is not None:
                parents[item.command.id] = parent
    batch = tracer.start_span(
        "handle batch",
        start_time=started_ns,
        links=[Link(trace.get_current_span(p).get_span_context()) for p in parents.values()],
        attributes={"batch.size": len(messages), "batch.traced_commands": len(parents)},
    )
    spans: dict[uuid.UUID, Span] = {}
    for item in commands if parents else ():
        command_id = item.command.id
        if command_id in parents and command_id not in spans:
            spans[command_id] = tracer.start_span(
                f"decide {type(item.command).__name__}",
                context=parents[command_id],
                kind=SpanKind.CONSUMER,
                start_time=started_ns,
                links=[Link(batch.get_span_context())],
                attributes={"batch.size": len(messages), "command.id": str(command_id)},
            )
    return BatchTrace(batch, spans, tracer)
