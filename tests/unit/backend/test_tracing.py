"""The backend's delivery spans: a traced answer is delivered inside a span of its trace,
and the streamed transaction carries that span's context on to the browser."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from backend.feedback import Delivered
from backend.tracing import traced_delivery
from topology.records import BalanceChanged, MoneyTransferConfirmed

HANDLER_SPAN = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_traced_record_is_routed_inside_its_delivery_span() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    routed: list[Delivered] = []

    def route(batch: Sequence[Delivered]) -> None:
        routed.extend(batch)
        assert exporter.get_finished_spans() == ()  # still open while routing

    change = BalanceChanged("NL66OPEN0000000000", 100, 100, "cash", "deposit")
    batch = [
        Delivered("balance_changed", 0, 7, change, polled_at=1000.0, traceparent=HANDLER_SPAN),
        Delivered("money_transfer_feedback", 0, 8, MoneyTransferConfirmed(uuid.uuid4())),
    ]
    traced_delivery(route, provider.get_tracer("test"))(batch)

    [span] = exporter.get_finished_spans()
    assert span.name == "deliver BalanceChanged"
    assert span.context is not None
    assert span.parent is not None
    assert span.parent.span_id == 0xB7AD6B7169203331
    assert span.start_time == 1000 * 10**9
    [traced, untraced] = routed
    assert traced.traceparent == f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-01"
    assert untraced.traceparent is None


def test_an_untraced_batch_is_routed_as_it_is() -> None:
    routed: list[Sequence[Delivered]] = []
    batch = [Delivered("money_transfer_feedback", 0, 8, MoneyTransferConfirmed(uuid.uuid4()))]
    traced_delivery(routed.append)(batch)
    assert routed == [batch]
