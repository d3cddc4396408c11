/**
 * One command's trace (Zipkin's `/api/v2/trace/{id}`) as the hops a person can follow:
 * click → API → Kafka → handler → Kafka → API → screen. Each hop runs from one milestone
 * to the next; a milestone whose span is missing (not sampled there, or a trace started by
 * the load generator) is left out and its neighbours join. `bench/trace_hops.py` computes
 * the same hops for the benchmark report.
 */

export { type Hop, type ZipkinSpan, hopsOf };

/** The fields of Zipkin's JSON v2 span that the timeline reads (times in µs). */
type ZipkinSpan = {
  name?: string;
  kind?: string;
  timestamp?: number;
  duration?: number;
  localEndpoint?: { serviceName?: string };
  annotations?: { timestamp: number; value: string }[];
};

type Hop = { label: string; startMicros: number; durationMs: number };

type Milestone = { label: string; at: number };

const startOf = (span: ZipkinSpan): number => span.timestamp ?? 0;
const endOf = (span: ZipkinSpan): number => (span.timestamp ?? 0) + (span.duration ?? 0);

function find(
  spans: ZipkinSpan[],
  service: string,
  name: string,
  kind?: string,
): ZipkinSpan | undefined {
  // Zipkin stores names in lower case.
  return spans
    .filter(
      (span) =>
        span.localEndpoint?.serviceName === service &&
        (span.name ?? "").startsWith(name) &&
        (kind === undefined || span.kind === kind),
    )
    .sort((a, b) => startOf(a) - startOf(b))[0];
}

/** The hops of one trace, in time order (empty when nothing of a command is in it). */
function hopsOf(spans: ZipkinSpan[]): Hop[] {
  const click = find(spans, "browser", "click");
  const api = find(spans, "backend", "", "SERVER");
  const sent = find(spans, "backend", "send") ?? find(spans, "command-generator", "generate");
  const handler = find(spans, "command-handler", "decide");
  const delivered = find(spans, "backend", "deliver balancechanged") ?? find(spans, "backend", "deliver");
  const render = find(spans, "browser", "render");
  if (api === undefined && sent === undefined && handler === undefined) {
    return []; // the browser's own spans only (tracing off in the services): no hops
  }
  const stored = handler?.annotations?.find((a) => a.value.includes('"stored"'));
  const milestones: (Milestone | null)[] = [
    click ? { label: "click → API", at: startOf(click) } : null,
    api ? { label: "API → Kafka (command acknowledged)", at: startOf(api) } : null,
    // The broker's acknowledgement may reach the API after the handler has the command.
    sent
      ? {
          label: "Kafka → handler (fetch, batching)",
          at: handler ? Math.min(endOf(sent), startOf(handler)) : endOf(sent),
        }
      : null,
    handler ? { label: "handler: decide + PostgreSQL", at: startOf(handler) } : null,
    stored ? { label: "handler: Kafka transaction", at: stored.timestamp } : null,
    handler ? { label: "Kafka → API (answer read)", at: endOf(handler) } : null,
    delivered ? { label: "API → screen", at: startOf(delivered) } : null,
    render ? { label: "", at: endOf(render) } : click ? { label: "", at: endOf(click) } : null,
  ];
  const present = milestones.filter((m): m is Milestone => m !== null);
  const hops: Hop[] = [];
  for (let index = 0; index + 1 < present.length; index += 1) {
    const from = present[index] as Milestone;
    const to = present[index + 1] as Milestone;
    hops.push({ label: from.label, startMicros: from.at, durationMs: (to.at - from.at) / 1000 });
  }
  return hops;
}
