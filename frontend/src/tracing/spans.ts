/**
 * The browser's own spans (the click, the render), sent to Zipkin through nginx
 * (`POST /zipkin/api/v2/spans`, Zipkin's JSON v2) in small batches. A lost batch only
 * loses the browser's part of those traces; it never affects the page.
 */

import { type SpanContext, formatTraceparent, newSpanId, newTraceId } from "./traceparent";

export { type BrowserSpan, SERVICE_NAME, SPANS_URL, flushSpans, startSpan };

const SERVICE_NAME = "browser";
const SPANS_URL = "/zipkin/api/v2/spans";
/** Ended spans wait at most this long before they are sent (ms). */
const FLUSH_AFTER_MS = 500;
/** Spans kept while Zipkin does not answer; older ones are dropped. */
const MAX_PENDING = 200;

type ZipkinSpan = {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: "CLIENT" | "SERVER" | "PRODUCER" | "CONSUMER";
  timestamp: number;
  duration: number;
  localEndpoint: { serviceName: string };
  tags: Record<string, string>;
};

type BrowserSpan = {
  readonly context: SpanContext;
  readonly traceparent: string;
  /** End the span now (once; later calls do nothing). */
  end: (tags?: Record<string, string>) => void;
};

const pending: ZipkinSpan[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

/** Microseconds since the epoch, as precise as the page's clock allows. */
function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** A sampled span: a new trace without `parent`, else a child of `parent`. */
function startSpan(name: string, parent?: SpanContext, kind?: ZipkinSpan["kind"]): BrowserSpan {
  const context = { traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId(), sampled: true };
  const started = nowMicros();
  let ended = false;
  return {
    context,
    traceparent: formatTraceparent(context),
    end: (tags = {}) => {
      if (ended) {
        return;
      }
      ended = true;
      pending.push({
        traceId: context.traceId,
        id: context.spanId,
        ...(parent ? { parentId: parent.spanId } : {}),
        name,
        ...(kind ? { kind } : {}),
        timestamp: started,
        duration: Math.max(1, nowMicros() - started),
        localEndpoint: { serviceName: SERVICE_NAME },
        tags,
      });
      pending.splice(0, Math.max(0, pending.length - MAX_PENDING));
      timer ??= setTimeout(() => void flushSpans(), FLUSH_AFTER_MS);
    },
  };
}

/** Send what has ended; resolves once Zipkin answered (or failed). */
async function flushSpans(): Promise<void> {
  clearTimeout(timer);
  timer = undefined;
  const batch = pending.splice(0, pending.length);
  if (batch.length === 0) {
    return;
  }
  try {
    await fetch(SPANS_URL, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch),
      keepalive: true,
    });
  } catch {
    // Zipkin down or tracing off: the page goes on without its spans.
  }
}
