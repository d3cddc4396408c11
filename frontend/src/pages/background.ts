/**
 * Background: what the system is, and the latency benchmark's results drawn from
 * `/bench/summary.json` (see bench/summary.ts). Says "no results yet" when the file is
 * absent, and what is wrong when it cannot be read.
 */

import { type RunSummary, parseSummary } from "../bench/summary";
import { el } from "../ui/dom";
import { LineChart, type Series } from "../ui/charts";
import type { Page } from "./page";

export { SUMMARY_URL, backgroundPage };

const SUMMARY_URL = "/bench/summary.json";

function backgroundPage(): Page {
  const results = el("div", { "data-testid": "bench-results", "aria-live": "polite" }, el("p", {}, "Loading results…"));
  const controller = new AbortController();
  const charts: LineChart[] = [];
  void loadResults(results, controller.signal, charts);
  const element = el(
    "section",
    { class: "page", "aria-labelledby": "background-title" },
    el(
      "div",
      { class: "card prose" },
      el("h1", { id: "background-title" }, "Background"),
      el(
        "p",
        {},
        "open-bank is an event-sourcing bank and a benchmark of itself, after open-bank-mark. " +
          "The browser talks GraphQL (over a WebSocket) to the backend; the backend turns every " +
          "login and transfer into a command on the Kafka topic commands; the command handler " +
          "decides it inside one PostgreSQL transaction and answers with feedback and " +
          "BalanceChanged events, which the backend stores and pushes to every page that follows " +
          "the account.",
      ),
      el(
        "p",
        {},
        "Every account may go down to −€500,00. Deposits come from cash; transfers to names outside " +
          "the bank only debit. A heartbeat and a command generator keep the bank busy in the " +
          "background, and the benchmark raises that load step by step while a real browser clicks " +
          "deposit and transfer buttons, measuring until the new amount shows on screen.",
      ),
    ),
    el("div", { class: "card" }, el("h2", {}, "Benchmark results"), results),
  );
  return {
    element,
    dispose: () => {
      controller.abort();
      for (const chart of charts) {
        chart.destroy();
      }
    },
  };
}

async function loadResults(target: HTMLElement, signal: AbortSignal, charts: LineChart[]): Promise<void> {
  let document: unknown;
  try {
    const response = await fetch(SUMMARY_URL, { signal, cache: "no-cache" });
    if (response.status === 404) {
      target.replaceChildren(noResults("No results yet: run the benchmark (python -m bench browser, then report)."));
      return;
    }
    if (!response.ok) {
      target.replaceChildren(noResults(`No results: the server answered ${response.status}.`));
      return;
    }
    document = await response.json();
  } catch (error) {
    if (!signal.aborted) {
      target.replaceChildren(noResults(`No results yet: ${(error as Error).message}`));
    }
    return;
  }
  const read = parseSummary(document);
  if (!read.ok) {
    target.replaceChildren(noResults(`The results file can't be drawn: ${read.reason}.`));
    return;
  }
  if (read.runs.length === 0) {
    target.replaceChildren(noResults("No results yet: the results file holds no run."));
    return;
  }
  if (signal.aborted) {
    return; // the page was left while the file loaded: draw nothing that nobody frees
  }
  // Newest run first: the latest committed results lead the page.
  const runs = [...read.runs].sort((a, b) => b.run_id.localeCompare(a.run_id));
  target.replaceChildren(...runs.map((run) => runSection(run, charts)));
}

function noResults(message: string): HTMLElement {
  return el("p", { class: "muted", "data-testid": "bench-empty" }, message);
}

function runSection(run: RunSummary, charts: LineChart[]): HTMLElement {
  const steps = run.steps;
  const latencySeries: Series[] = [
    { name: "mean", points: steps.map((s) => ({ x: s.load, y: s.latency.mean_ms })) },
    { name: "p99", points: steps.map((s) => ({ x: s.load, y: s.latency.p99_ms })) },
    { name: "max", points: steps.map((s) => ({ x: s.load, y: s.latency.max_ms })) },
  ];
  if (steps.some((s) => s.polled !== null)) {
    // What the original's 50 ms polling would have reported, for comparison with it.
    latencySeries.push({
      name: "mean, polled every 50 ms",
      points: steps.map((s) => ({ x: s.load, y: s.polled?.mean_ms ?? null })),
    });
  }
  const components = [...new Set(steps.flatMap((s) => Object.keys(s.components)))].sort();
  const usage = (pick: "cpu_percent" | "rss_mib"): Series[] =>
    components.map((name) => ({
      name,
      points: steps.map((s) => ({ x: s.load, y: s.components[name]?.[pick] ?? null })),
    }));
  const ms = (value: number | null): string => (value === null ? "–" : value.toFixed(1));
  const load = "background load (msg/s)";
  const drawn = [
    new LineChart({ title: "Latency from click to screen", x: load, y: "latency (ms)" }, latencySeries),
    ...(components.length > 0
      ? [
          new LineChart({ title: "CPU per component", x: load, y: "CPU (% of one core)" }, usage("cpu_percent")),
          new LineChart({ title: "Memory per component", x: load, y: "RSS (MiB)" }, usage("rss_mib")),
        ]
      : []),
  ];
  charts.push(...drawn);
  return el(
    "article",
    { class: "run", "data-testid": "bench-run" },
    el("h3", {}, `Run ${run.run_id}`),
    el(
      "p",
      {},
      `Started ${run.started_at}; ${run.interactions} interactions; highest background load ` +
        `${run.max_load} msg/s${run.end_reason ? `; ended: ${run.end_reason}` : ""}.`,
    ),
    el("div", { class: "charts" }, ...drawn.map((chart) => chart.element)),
    el(
      "details",
      {},
      el("summary", {}, "The numbers"),
      el(
        "div",
        { class: "table-scroll" },
        el(
          "table",
          {},
          el(
            "thead",
            {},
            el("tr", {}, ...["load (msg/s)", "n", "time-outs", "mean", "p50", "p99", "max"].map((h) => el("th", { scope: "col" }, h))),
          ),
          el(
            "tbody",
            {},
            ...steps.map((s) =>
              el(
                "tr",
                {},
                el("td", {}, s.load),
                el("td", {}, s.latency.n),
                el("td", {}, s.latency.timeouts),
                el("td", {}, ms(s.latency.mean_ms)),
                el("td", {}, ms(s.latency.p50_ms)),
                el("td", {}, ms(s.latency.p99_ms)),
                el("td", {}, ms(s.latency.max_ms)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
