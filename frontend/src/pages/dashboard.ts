/**
 * Dashboard: throughput, latency, consumer lag, CPU and memory of the running stack,
 * updated every second while it runs. The backend samples the services once a second
 * (backend/dashboard/) and streams raw samples; this page turns them into rates and
 * quantiles (dashboard/window.ts) and draws the last minute. docs/frontend.md says what
 * each figure is and where it comes from.
 */

import { subscribe } from "../api/connection";
import { chartSeries, LATENCY_LABELS, SHOWN_S } from "../dashboard/series";
import { DASHBOARD, parseSample } from "../dashboard/sample";
import { type Figures, LATENCY_WINDOW_S, type Sample, figuresAt } from "../dashboard/window";
import { LineChart } from "../ui/charts";
import { el } from "../ui/dom";
import { statusLine } from "../ui/forms";
import type { Page } from "./page";

export { dashboardPage };

/** Samples kept: the minute shown plus the latency window before its first point. */
const KEPT = SHOWN_S + LATENCY_WINDOW_S + 5;
const REDRAW_AFTER_MS = 50;

function dashboardPage(): Page {
  const status = statusLine("dashboard-status");
  status.set("Waiting for the first sample…");
  const now = el("div", { class: "table-scroll", "data-testid": "dashboard-now", "aria-live": "off" });
  const ago = (title: string, y: string, testId: string): LineChart =>
    new LineChart({ title, x: "time (s before now)", y, xMin: -SHOWN_S, xMax: 0, testId }, [], { live: true });
  const charts = {
    throughput: ago("Commands in and answers out", "messages per second", "chart-throughput"),
    latency: ago(`Latency, p50 and p99 over the last ${LATENCY_WINDOW_S} s`, "latency (ms)", "chart-latency"),
    lag: ago("Consumer lag per group", "messages behind", "chart-lag"),
    cpu: ago("CPU per component", "CPU (% of one core)", "chart-cpu"),
    rss: ago("Memory per component", "RSS (MiB)", "chart-rss"),
  };
  const samples: Sample[] = [];
  const history: Figures[] = [];
  let redraw: ReturnType<typeof setTimeout> | null = null;

  const draw = (): void => {
    redraw = null;
    const latest = history[history.length - 1];
    if (latest === undefined) {
      return;
    }
    const series = chartSeries(history);
    for (const [key, chart] of Object.entries(charts)) {
      chart.show(series[key as keyof typeof charts]);
    }
    now.replaceChildren(figuresTable(latest));
    status.set(null);
  };

  const unsubscribe = subscribe<unknown>(DASHBOARD, {}, {
    next: (data) => {
      const read = parseSample(data);
      if (!read.ok) {
        status.set(`A sample can't be drawn: ${read.reason}.`, "error");
        return;
      }
      const last = samples[samples.length - 1];
      if (last !== undefined && read.sample.at <= last.at) {
        return; // after a reconnect the server sends its last minute again
      }
      samples.push(read.sample);
      const figures = figuresAt(samples, samples.length - 1);
      if (figures !== null) {
        history.push(figures);
      }
      samples.splice(0, Math.max(0, samples.length - KEPT));
      history.splice(0, Math.max(0, history.length - KEPT));
      redraw ??= setTimeout(draw, REDRAW_AFTER_MS);
    },
    error: (error) => status.set(`The dashboard stopped: ${error.message}`, "error"),
    complete: () => status.set("The server ended the dashboard stream; reload the page to start it again.", "error"),
  });

  const element = el(
    "section",
    { class: "page", "aria-labelledby": "dashboard-title" },
    el(
      "div",
      { class: "card prose" },
      el("h1", { id: "dashboard-title" }, "Dashboard"),
      el(
        "p",
        {},
        "The running bank, sampled every second by the backend from the services' metrics, " +
          "Kafka's offsets and each component's process: commands written to Kafka and answers " +
          `the handler published per second, latency over the last ${LATENCY_WINDOW_S} s, how far each ` +
          "consumer group is behind, and CPU and memory per component. Start load with the " +
          "heartbeat (docs/benchmark.md) or the benchmark to see it move.",
      ),
      status.element,
    ),
    el("div", { class: "card" }, el("h2", {}, "Now"), now),
    el("div", { class: "card" }, el("div", { class: "charts charts-live" }, ...Object.values(charts).map((c) => c.element))),
  );
  return {
    element,
    dispose: () => {
      unsubscribe();
      if (redraw !== null) {
        clearTimeout(redraw);
      }
      for (const chart of Object.values(charts)) {
        chart.destroy();
      }
    },
  };
}

function number(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined
    ? "–"
    : value.toLocaleString("en-GB", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function row(label: string, value: string, testId: string): HTMLTableRowElement {
  return el("tr", {}, el("th", { scope: "row" }, label), el("td", { "data-testid": testId }, value));
}

function figuresTable(f: Figures): HTMLElement {
  const rows = [
    row("sampled at", new Date(f.at * 1000).toLocaleTimeString("en-GB"), "dashboard-at"),
    row("commands/s (written to commands)", number(f.commandsPerS, 0), "dashboard-commands"),
    row("answers/s (decided by the handler)", number(f.answersPerS, 0), "dashboard-answers"),
    ...Object.entries(f.latency).flatMap(([name, q]) => [
      row(`${LATENCY_LABELS[name] ?? name}: p50 (ms)`, number(q.p50, 1), `dashboard-latency-${name}-p50`),
      row(`${LATENCY_LABELS[name] ?? name}: p99 (ms)`, number(q.p99, 1), `dashboard-latency-${name}-p99`),
    ]),
    ...Object.entries(f.lag).map(([group, lag]) => row(`lag of ${group} (messages)`, number(lag, 0), `dashboard-lag-${group}`)),
  ];
  const components = Object.keys(f.rssMiB).sort();
  return el(
    "div",
    { class: "now" },
    el("table", {}, el("tbody", {}, ...rows)),
    el(
      "table",
      {},
      el(
        "thead",
        {},
        el("tr", {}, ...["component", "CPU (% of one core)", "RSS (MiB)"].map((h) => el("th", { scope: "col" }, h))),
      ),
      el(
        "tbody",
        {},
        ...components.map((name) =>
          el(
            "tr",
            {},
            el("th", { scope: "row" }, name),
            el("td", { "data-testid": `dashboard-cpu-${name}` }, number(f.cpuPercent[name], 0)),
            el("td", { "data-testid": `dashboard-rss-${name}` }, number(f.rssMiB[name], 0)),
          ),
        ),
      ),
    ),
  );
}
