/** The dashboard's charts' series: figures over the last minute → one Series per line. */

import type { Series } from "../ui/chartData";
import type { Figures } from "./window";

export { LATENCY_LABELS, SHOWN_S, chartSeries };

/** How far back the live charts reach (s). */
const SHOWN_S = 60;

/** What each latency histogram measures, as the legend and the table name it. */
const LATENCY_LABELS: Record<string, string> = {
  command: "commands (handler)",
  api: "API requests",
};

type Charts = {
  throughput: Series[];
  latency: Series[];
  lag: Series[];
  cpu: Series[];
  rss: Series[];
};

function names(history: readonly Figures[], pick: (f: Figures) => Record<string, unknown>): string[] {
  return [...new Set(history.flatMap((f) => Object.keys(pick(f))))].sort();
}

/** x of each point: seconds before the newest figures (0 = now, −60 = a minute ago). */
function chartSeries(history: readonly Figures[]): Charts {
  const newest = history[history.length - 1]?.at ?? 0;
  const shown = history.filter((f) => newest - f.at <= SHOWN_S);
  const line = (name: string, value: (f: Figures) => number | null | undefined): Series => ({
    name,
    points: shown.map((f) => ({ x: f.at - newest, y: value(f) ?? null })),
  });
  const latency = names(shown, (f) => f.latency).flatMap((key) => {
    const label = LATENCY_LABELS[key] ?? key;
    return [line(`${label} p50`, (f) => f.latency[key]?.p50), line(`${label} p99`, (f) => f.latency[key]?.p99)];
  });
  return {
    throughput: [line("commands/s", (f) => f.commandsPerS), line("answers/s", (f) => f.answersPerS)],
    latency,
    lag: names(shown, (f) => f.lag).map((group) => line(group, (f) => f.lag[group])),
    cpu: names(shown, (f) => f.cpuPercent).map((name) => line(name, (f) => f.cpuPercent[name])),
    rss: names(shown, (f) => f.rssMiB).map((name) => line(name, (f) => f.rssMiB[name])),
  };
}
