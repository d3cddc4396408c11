"""The trace context helpers and the sampler every service shares."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import Decision, ParentBased
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, TraceFlags

from topology.tracing import (
    LinkedOrRatio,
    TracingSettings,
    context_from_headers,
    context_from_traceparent,
    kafka_headers,
    traceparent_of,
)

SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _span(sampled: bool) -> NonRecordingSpan:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    return NonRecordingSpan(
        SpanContext(0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331, True, flags)
    )


def _parent_span_id(value: str | bytes | None) -> int | None:
    context = context_from_traceparent(value)
    return None if context is None else trace.get_current_span(context).get_span_context().span_id


def test_a_sampled_span_round_trips_through_its_traceparent() -> None:
    assert traceparent_of(_span(sampled=True)) == SAMPLED
    assert _parent_span_id(SAMPLED) == 0xB7AD6B7169203331
    assert _parent_span_id(SAMPLED.encode()) == 0xB7AD6B7169203331


def test_an_unsampled_context_does_not_travel() -> None:
    assert traceparent_of(_span(sampled=False)) is None
    assert kafka_headers(_span(sampled=False)) is None
    assert context_from_traceparent(SAMPLED[:-2] + "00") is None


@pytest.mark.parametrize(
    "value",
    [None, "", "garbage", SAMPLED[:-3], "00-" + "0" * 32 + "-b7ad6b7169203331-01"],
)
def test_a_malformed_traceparent_is_no_parent(value: str | None) -> None:
    assert context_from_traceparent(value) is None


def test_kafka_headers_carry_the_span_both_ways() -> None:
    headers = kafka_headers(_span(sampled=True))
    assert headers == [("traceparent", SAMPLED.encode())]
    assert context_from_headers(headers) is not None
    assert context_from_headers({"traceparent": SAMPLED}) is not None
    assert context_from_headers([("other", b"x")]) is None
    assert context_from_headers(None) is None


def test_a_root_is_sampled_at_the_ratio_unless_it_links_a_sampled_span() -> None:
    never = LinkedOrRatio(0.0)
    assert never.should_sample(None, 1, "batch").decision is Decision.DROP
    linked = [Link(_span(sampled=True).get_span_context())]
    assert (
        never.should_sample(None, 1, "batch", links=linked).decision is Decision.RECORD_AND_SAMPLE
    )
    unsampled = [Link(_span(sampled=False).get_span_context())]
    assert never.should_sample(None, 1, "batch", links=unsampled).decision is Decision.DROP
    assert LinkedOrRatio(1.0).should_sample(None, 1, "batch").decision is Decision.RECORD_AND_SAMPLE


def test_a_sampled_parent_is_always_followed() -> None:
    provider = TracerProvider(sampler=ParentBased(root=LinkedOrRatio(0.0)))
    tracer = provider.get_tracer("test")
    parent = context_from_traceparent(SAMPLED)
    assert tracer.start_span("child", context=parent).is_recording()
    assert not tracer.start_span("root").is_recording()


def test_tracing_is_off_without_a_url_or_when_disabled() -> None:
    assert not TracingSettings(zipkin_url=None).active
    assert not TracingSettings(
        zipkin_url="http://127.0.0.1:9411/api/v2/spans", enabled=False
    ).active
    assert TracingSettings(zipkin_url="http://127.0.0.1:9411/api/v2/spans").active
