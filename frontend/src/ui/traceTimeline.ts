/**
 * A transaction's timeline, on demand: its trace read from Zipkin through nginx
 * (`/zipkin/api/v2/trace/{id}`), drawn as one bar per hop (`tracing/timeline.ts`).
 * Test ids: `transaction-timeline-toggle`, `transaction-timeline`, `timeline-hop`.
 */

import { type Hop, type ZipkinSpan, hopsOf } from "../tracing/timeline";
import { el } from "./dom";

export { traceTimeline };

const TRACE_URL = "/zipkin/api/v2/trace/";
/** Services send their spans within about a second: ask again this often, this many times. */
const RETRY_AFTER_MS = 1_000;
const ATTEMPTS = 4;

async function fetchSpans(traceId: string): Promise<ZipkinSpan[]> {
  const response = await fetch(`${TRACE_URL}${encodeURIComponent(traceId)}`);
  if (response.status === 404) {
    return [];
  }
  if (!response.ok) {
    throw new Error(`the trace viewer answered ${response.status}`);
  }
  return (await response.json()) as ZipkinSpan[];
}

/** Complete enough to show: the handler's part and the way back to the API. */
function complete(hops: Hop[]): boolean {
  return hops.some((hop) => hop.label.startsWith("Kafka → API"));
}

function drawHops(hops: Hop[]): HTMLElement {
  const total = hops.reduce((sum, hop) => sum + hop.durationMs, 0);
  const first = hops[0]?.startMicros ?? 0;
  const rows = hops.map((hop) => {
    const bar = el("span", { class: "timeline-bar" });
    // CSSOM, not a style attribute: the page's CSP allows no inline styles.
    bar.style.marginLeft = `${total > 0 ? ((hop.startMicros - first) / 1000 / total) * 100 : 0}%`;
    bar.style.width = `${total > 0 ? Math.max(0.5, (hop.durationMs / total) * 100) : 0}%`;
    return el(
      "li",
      { "data-testid": "timeline-hop" },
      el("span", { class: "timeline-label" }, hop.label),
      el("span", { class: "timeline-track" }, bar),
      el("span", { class: "timeline-ms" }, `${hop.durationMs.toFixed(1)} ms`),
    );
  });
  return el(
    "div",
    {},
    el("ol", { class: "timeline" }, ...rows),
    el("p", { class: "muted" }, `Total ${total.toFixed(1)} ms.`),
  );
}

/** A toggle that shows the timeline of trace `traceId` below it. */
function traceTimeline(traceId: string): HTMLElement {
  const toggle = el(
    "button",
    {
      type: "button",
      class: "link",
      "data-testid": "transaction-timeline-toggle",
      "aria-expanded": "false",
    },
    "Timeline",
  );
  const panel = el("div", { class: "timeline-panel", "data-testid": "transaction-timeline", hidden: true });
  const load = async (): Promise<void> => {
    panel.replaceChildren(el("p", { class: "muted" }, "Reading the trace…"));
    try {
      let hops: Hop[] = [];
      for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
        hops = hopsOf(await fetchSpans(traceId));
        if (complete(hops) || attempt === ATTEMPTS) {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS));
      }
      panel.replaceChildren(
        hops.length > 0 ? drawHops(hops) : el("p", { class: "muted" }, "No spans of this trace (yet)."),
      );
    } catch (error) {
      panel.replaceChildren(el("p", { class: "error" }, `No timeline: ${(error as Error).message}.`));
    }
  };
  toggle.addEventListener("click", () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      void load();
    }
  });
  return el("span", { class: "timeline-holder" }, toggle, panel);
}
