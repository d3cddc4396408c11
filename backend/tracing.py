"""The backend's spans (docs/tracing.md): the HTTP request, the GraphQL operation over
WebSocket, the command sent to Kafka, and the delivery of the handler's answer.

A browser cannot set headers on a WebSocket, so a WebSocket operation names its trace in
its subscribe message: `payload.extensions.traceparent`. Over HTTP the `traceparent` header
does (OpenTelemetry's ASGI middleware). Spans are made only for sampled traces; an
operation without a trace context gets none.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry import context, trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.trace import Span, SpanKind
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from backend.feedback import Delivered
from topology.records import Record
from topology.tracing import TRACEPARENT, context_from_traceparent, kafka_headers, traceparent_of

__all__ = ["HttpTracing", "TracedTransportWS", "command_span", "traced_delivery"]

_TRACER = trace.get_tracer("open-bank.backend")
_OPERATION_NAME = re.compile(r"^\s*(?:query|mutation|subscription)\s+(\w+)")


class HttpTracing:
    """OpenTelemetry's ASGI middleware for HTTP requests only: a WebSocket lives for minutes
    and carries many operations, each traced on its own by `TracedTransportWS`."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._traced = OpenTelemetryMiddleware(
            app, excluded_urls="healthz,metrics", exclude_spans=["receive", "send"]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._traced(scope, receive, send)
        else:
            await self._app(scope, receive, send)


def _traceparent_of(message: SubscribeMessage) -> str | None:
    payload: Any = message.get("payload")
    extensions = payload.get("extensions") if isinstance(payload, dict) else None
    value = extensions.get(TRACEPARENT) if isinstance(extensions, dict) else None
    return value if isinstance(value, str) else None


class TracedTransportWS(BaseGraphQLTransportWSHandler[Any, None]):
    """graphql-transport-ws whose operations continue the trace in their `extensions`."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        parent = context_from_traceparent(_traceparent_of(message))
        if parent is None:
            await super().handle_subscribe(message)
            return
        payload = message["payload"]
        named = _OPERATION_NAME.match(payload.get("query") or "")
        name = payload.get("operationName") or (named.group(1) if named else "operation")
        span = _TRACER.start_span(f"graphql {name}", context=parent, kind=SpanKind.SERVER)
        # The operation's task copies the current context when it is created inside.
        token = context.attach(trace.set_span_in_context(span, parent))
        try:
            await super().handle_subscribe(message)
        finally:
            context.detach(token)
        operation = self.operations.get(message["id"])
        if operation is None or operation.task is None:
            span.end()
        else:
            operation.task.add_done_callback(lambda _task: span.end())


def command_span(record: Record) -> tuple[Span, list[tuple[str, str | bytes | None]] | None]:
    """A producer span for `record` under the current operation, and the Kafka headers
    that carry it (None when unsampled). End the span when Kafka acknowledged."""
    span = _TRACER.start_span(
        f"send {type(record).__name__}",
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": "commands"},
    )
    return span, kafka_headers(span)


def traced_delivery(
    route: Callable[[Sequence[Delivered]], None], tracer: trace.Tracer = _TRACER
) -> Callable[[Sequence[Delivered]], None]:
    """`route`, with a consumer span per traced record: from the feed thread's poll to
    the answer handed to its request or subscribers. The record then carries that span's
    `traceparent`, which a streamed transaction passes on to the browser's render span."""

    def on_batch(batch: Sequence[Delivered]) -> None:
        if not any(delivered.traceparent for delivered in batch):
            route(batch)
            return
        spans: list[Span] = []
        routed: list[Delivered] = []
        for delivered in batch:
            parent = context_from_traceparent(delivered.traceparent)
            if parent is None:
                routed.append(delivered)
                continue
            span = tracer.start_span(
                f"deliver {type(delivered.record).__name__}",
                context=parent,
                kind=SpanKind.CONSUMER,
                start_time=int(delivered.polled_at * 1e9) or None,
                attributes={
                    "messaging.destination.name": delivered.topic,
                    "messaging.kafka.offset": delivered.offset,
                    "messaging.destination.partition.id": str(delivered.partition),
                },
            )
            spans.append(span)
            routed.append(dataclasses.replace(delivered, traceparent=traceparent_of(span)))
        try:
            route(routed)
        finally:
            for span in spans:
                span.end()

    return on_batch
