/**
 * W3C trace context (`traceparent`) in the browser: a click starts a trace, and the trace
 * is named to the API in each GraphQL operation's `extensions` (a browser cannot set
 * headers on a WebSocket). docs/tracing.md.
 */

export { type SpanContext, formatTraceparent, newSpanId, newTraceId, parseTraceparent };

/** Lower-case hex ids as W3C writes them: trace 32 digits, span 16. */
type SpanContext = { traceId: string; spanId: string; sampled: boolean };

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return [...values].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A random trace id (never all zeros, which W3C forbids). */
function newTraceId(): string {
  const id = randomHex(16);
  return /^0+$/.test(id) ? newTraceId() : id;
}

/** A random span id (never all zeros). */
function newSpanId(): string {
  const id = randomHex(8);
  return /^0+$/.test(id) ? newSpanId() : id;
}

function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}

/** The context of a well-formed `traceparent`, or null (also for all-zero ids). */
function parseTraceparent(value: string | null | undefined): SpanContext | null {
  const match = TRACEPARENT.exec(value ?? "");
  if (match === null) {
    return null;
  }
  const [, traceId = "", spanId = "", flags = "00"] = match;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) {
    return null;
  }
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}
