"""Where a click's time goes, from its trace: the benchmark's clicks are traced end to end
(every operation the browser starts is sampled), so after a run their traces are read back
from Zipkin, through nginx, and cut into hops. The hops are those of the UI's timeline
(`frontend/src/tracing/timeline.ts`): each runs from one milestone to the next, and a
milestone whose span is missing is left out.
"""

from __future__ import annotations

import itertools
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Any

from bench.rows import InteractionRow, TraceRow

__all__ = ["HOPS", "fetch_click_traces", "hops_of", "trace_rows"]

log = logging.getLogger(__name__)

#: The hops in order; a trace's hops are a subset, in this order.
HOPS = (
    "click → API",
    "API → Kafka (command acknowledged)",
    "Kafka → handler (fetch, batching)",
    "handler: decide + PostgreSQL",
    "handler: Kafka transaction",
    "Kafka → API (answer read)",
    "API → screen",
)
_Span = dict[str, Any]


def _find(spans: Sequence[_Span], service: str, name: str, kind: str | None = None) -> _Span | None:
    found = [
        span
        for span in spans
        if span.get("localEndpoint", {}).get("serviceName") == service
        and span.get("name", "").startswith(name)
        and (kind is None or span.get("kind") == kind)
    ]
    return min(found, key=lambda span: span.get("timestamp", 0), default=None)


def _start(span: _Span) -> int:
    return int(span.get("timestamp", 0))


def _end(span: _Span) -> int:
    return int(span.get("timestamp", 0)) + int(span.get("duration", 0))


def hops_of(spans: Sequence[_Span]) -> dict[str, float]:
    """Milliseconds per hop of one trace (Zipkin's JSON v2 spans, times in µs)."""
    click = _find(spans, "browser", "click")
    api = _find(spans, "backend", "", "SERVER")
    sent = _find(spans, "backend", "send") or _find(spans, "command-generator", "generate")
    handler = _find(spans, "command-handler", "decide")
    delivered = _find(spans, "backend", "deliver balancechanged") or _find(
        spans, "backend", "deliver"
    )
    render = _find(spans, "browser", "render")
    if api is None and sent is None and handler is None:
        return {}  # the browser's own spans only (tracing off in the services): no hops
    stored = next(
        (a for a in (handler or {}).get("annotations", []) if '"stored"' in a.get("value", "")),
        None,
    )
    end = _end(render) if render else _end(click) if click else None
    milestones = [
        (HOPS[0], _start(click) if click else None),
        (HOPS[1], _start(api) if api else None),
        # The broker's acknowledgement may reach the API after the handler has the command.
        (
            HOPS[2],
            min(_end(sent), _start(handler)) if sent and handler else _end(sent) if sent else None,
        ),
        (HOPS[3], _start(handler) if handler else None),
        (HOPS[4], int(stored["timestamp"]) if stored else None),
        (HOPS[5], _end(handler) if handler else None),
        (HOPS[6], _start(delivered) if delivered else None),
        ("", end),
    ]
    present = [(label, at) for label, at in milestones if at is not None]
    return {
        label: (following - at) / 1000
        for (label, at), (_next, following) in itertools.pairwise(present)
    }


def fetch_click_traces(base_url: str, since_s: float, until_s: float) -> list[list[_Span]]:
    """The traces the browser started between the two times (Unix s), through nginx."""
    end_ms = int(until_s * 1000) + 60_000
    query = (
        f"serviceName=browser&endTs={end_ms}&lookback={end_ms - int(since_s * 1000)}&limit=100000"
    )
    url = f"{base_url.rstrip('/')}/zipkin/api/v2/traces?{query}"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (our own stack)
            traces: list[list[_Span]] = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        log.warning("no traces read from %s: %s", url, error)
        return []
    return traces


def trace_rows(
    traces: Iterable[Sequence[_Span]], clicks: Sequence[InteractionRow]
) -> list[TraceRow]:
    """One row per click trace, with the load its click was made at."""
    ordered = sorted(clicks, key=lambda row: row.at)
    rows: list[TraceRow] = []
    for spans in traces:
        click = _find(spans, "browser", "click")
        if click is None:
            continue
        at = _start(click) / 1e6
        earlier = [row for row in ordered if row.at <= at + 0.5]
        load = earlier[-1].load if earlier else 0
        hops = hops_of(spans)
        if hops:
            rows.append(TraceRow(at=at, load=load, trace_id=click["traceId"], hops=hops))
    return sorted(rows, key=lambda row: row.at)
