"""The handler's batch and command spans, and which records carry which command's trace."""

from __future__ import annotations

import uuid
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased

from command_handler.handling import DecodedCommand, OutgoingRecord
from command_handler.storage import MessageSource
from command_handler.tracing import start_batch_trace
from topology.records import BalanceChanged, ConfirmMoneyTransfer, MoneyTransferConfirmed
from topology.topics import BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK
from topology.tracing import LinkedOrRatio

TRACED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class Message:
    def __init__(self, offset: int, traceparent: str | None) -> None:
        self._offset = offset
        self._headers = None if traceparent is None else [("traceparent", traceparent.encode())]

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self._offset

    def headers(self) -> Any:
        return self._headers


def _command(offset: int) -> DecodedCommand:
    command = ConfirmMoneyTransfer(uuid.uuid4(), "cash", 100, "cash", "NL66OPEN0000000000", "d")
    return DecodedCommand(command, MessageSource(0, offset), 0)


def _tracer() -> tuple[Any, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(root=LinkedOrRatio(0.0)))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("test"), exporter


def _named(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def test_a_traced_command_gets_a_span_in_its_trace_linked_to_the_batch() -> None:
    tracer, exporter = _tracer()
    traced, untraced = _command(1), _command(2)
    messages = [Message(1, TRACED), Message(2, None)]
    batch = start_batch_trace(messages, [traced, untraced], started_ns=1_000, tracer=tracer)
    with batch.child("postgresql transaction"):
        pass
    batch.mark("stored")
    batch.end(committed_wall_ms=5.0)

    spans = exporter.get_finished_spans()
    [decided] = _named(spans, "decide ConfirmMoneyTransfer")
    [handle] = _named(spans, "handle batch")
    [storage] = _named(spans, "postgresql transaction")
    assert decided.context is not None
    assert handle.context is not None
    assert decided.context.trace_id == 0x0AF7651916CD43DD8448EB211C80319C
    assert decided.parent is not None
    assert decided.parent.span_id == 0xB7AD6B7169203331
    assert [link.context.span_id for link in decided.links] == [handle.context.span_id]
    # The batch is its own trace, sampled because it links a sampled command.
    assert handle.context.trace_id != decided.context.trace_id
    assert [link.context.span_id for link in handle.links] == [0xB7AD6B7169203331]
    assert storage.parent is not None
    assert storage.parent.span_id == handle.context.span_id
    assert (decided.start_time, decided.end_time) == (1_000, 5_000_000)
    assert [event.name for event in decided.events] == ["stored"]


def test_a_command_s_answers_carry_its_span_and_republished_records_none() -> None:
    tracer, _exporter = _tracer()
    traced, untraced = _command(1), _command(2)
    batch = start_batch_trace(
        [Message(1, TRACED), Message(2, None)], [traced, untraced], 0, tracer=tracer
    )
    change = BalanceChanged("NL66OPEN0000000000", 100, 100, "cash", "d")
    records = [
        OutgoingRecord(BALANCE_CHANGED, "NL01", change),  # published again from storage
        OutgoingRecord(
            MONEY_TRANSFER_FEEDBACK, traced.command.id, MoneyTransferConfirmed(traced.command.id)
        ),
        OutgoingRecord(BALANCE_CHANGED, change.iban, change),
        OutgoingRecord(
            MONEY_TRANSFER_FEEDBACK,
            untraced.command.id,
            MoneyTransferConfirmed(untraced.command.id),
        ),
        OutgoingRecord(BALANCE_CHANGED, change.iban, change),
    ]
    headers = batch.headers(records)
    assert headers[0] is None
    assert headers[1] == headers[2] is not None
    [(key, value)] = headers[1] or []
    assert key == "traceparent"
    assert value.decode().split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
    assert headers[3] is None
    assert headers[4] is None


def test_an_untraced_batch_records_nothing() -> None:
    tracer, exporter = _tracer()
    batch = start_batch_trace([Message(1, None)], [_command(1)], 0, tracer=tracer)
    with batch.child("kafka transaction"):
        pass
    batch.end(1.0)
    assert batch.traced_commands == 0
    assert exporter.get_finished_spans() == ()
