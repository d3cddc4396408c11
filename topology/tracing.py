"""OpenTelemetry for every service: its tracer provider, sampler and exporter, and the W3C
`traceparent` carried in Kafka headers and GraphQL `extensions` (docs/tracing.md).

Sampling: a span whose parent is sampled is sampled (a click in the browser arrives with a
sampled `traceparent`, so every click is traced end to end); a root span is sampled at
`OPEN_BANK_TRACING_BACKGROUND_RATIO` (the background load), or when it links a sampled
span (the handler's batch span, which links the commands it decided). Only sampled
contexts travel: an unsampled command carries no header, so no later hop spends anything
on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "TRACEPARENT",
    "LinkedOrRatio",
    "TracingSettings",
    "context_from_headers",
    "context_from_traceparent",
    "kafka_headers",
    "setup_tracing",
    "traceparent_of",
]

TRACEPARENT = "traceparent"
_PROPAGATOR = TraceContextTextMapPropagator()
# Spans reach the viewer within about this long (ms): a timeline asked right after a click
# should find them.
_EXPORT_DELAY_MS = 1_000


class TracingSettings(BaseSettings):
    """`OPEN_BANK_TRACING_*`: where spans go and how much of the background load is kept."""

    model_config = SettingsConfigDict(env_prefix="OPEN_BANK_TRACING_", extra="ignore")

    #: Zipkin's span endpoint (`.../api/v2/spans`); unset or empty: tracing off.
    zipkin_url: str | None = None
    #: False turns tracing off even with a URL (the benchmark's comparison run).
    enabled: bool = True
    #: Share of root spans sampled (commands of the load generator, requests without a
    #: `traceparent`); 1.0 keeps all, 0.0 none. Operations that arrive sampled always are.
    background_ratio: float = Field(default=0.01, ge=0.0, le=1.0)

    @property
    def active(self) -> bool:
        return self.enabled and bool(self.zipkin_url)


class LinkedOrRatio(Sampler):
    """A root span is sampled when it links a sampled span, else at `ratio` of trace ids."""

    def __init__(self, ratio: float) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        if links and any(link.context.trace_flags.sampled for link in links):
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)
        return self._ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"LinkedOrRatio{{{self._ratio.rate}}}"


def setup_tracing(service_name: str, settings: TracingSettings | None = None) -> bool:
    """Install the global tracer provider for `service_name` (the stack's name: `backend`,
    `command-handler`, …); False when tracing is off, and the API's no-op tracer stays."""
    settings = settings or TracingSettings()
    if not settings.active:
        return False
    # Imported here: a service with tracing off never loads the exporter.
    from opentelemetry.exporter.zipkin.json import ZipkinExporter

    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=ParentBased(root=LinkedOrRatio(settings.background_ratio)),
    )
    provider.add_span_processor(
        BatchSpanProcessor(
            ZipkinExporter(endpoint=settings.zipkin_url), schedule_delay_millis=_EXPORT_DELAY_MS
        )
    )
    trace.set_tracer_provider(provider)
    return True


def traceparent_of(span: trace.Span) -> str | None:
    """The W3C `traceparent` of `span` when it is sampled, else None."""
    context = span.get_span_context()
    if not context.is_valid or not context.trace_flags.sampled:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-01"


def context_from_traceparent(value: str | bytes | None) -> Context | None:
    """The remote parent named by a `traceparent`, if it is well formed and sampled."""
    if not value:
        return None
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    context = _PROPAGATOR.extract({TRACEPARENT: text})
    span_context = trace.get_current_span(context).get_span_context()
    if not span_context.is_valid or not span_context.trace_flags.sampled:
        return None
    return context


_Header = str | bytes | None


def context_from_headers(
    headers: Mapping[str, _Header] | Sequence[tuple[str, _Header]] | None,
) -> Context | None:
    """The sampled parent carried by a Kafka message's headers, if any."""
    if not headers:
        return None
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in pairs:
        if key == TRACEPARENT:
            return context_from_traceparent(value)
    return None


def kafka_headers(
    span: trace.Span | None = None,
) -> list[tuple[str, str | bytes | None]] | None:
    """Kafka headers carrying `span` (default: the current one), or None if unsampled."""
    value = traceparent_of(span if span is not None else trace.get_current_span())
    return None if value is None else [(TRACEPARENT, value.encode())]
