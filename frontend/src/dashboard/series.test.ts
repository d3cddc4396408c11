import { describe, expect, it } from "vitest";

import { chartSeries } from "./series";
import type { Figures } from "./window";

function figures(at: number, extra: Partial<Figures> = {}): Figures {
  return { at, commandsPerS: at, answersPerS: null, latency: {}, lag: {}, cpuPercent: {}, rssMiB: {}, ...extra };
}

describe("chartSeries", () => {
  it("puts the newest figures at x = 0 and keeps only the last minute", () => {
    const history = [figures(100), figures(139), figures(160), figures(170)];
    const { throughput } = chartSeries(history);
    expect(throughput.map((s) => s.name)).toEqual(["commands/s", "answers/s"]);
    expect(throughput[0]?.points).toEqual([
      { x: -31, y: 139 },
      { x: -10, y: 160 },
      { x: 0, y: 170 },
    ]);
    expect(throughput[1]?.points.every((p) => p.y === null)).toBe(true);
  });

  it("draws p50 and p99 of each histogram, named for what it measures", () => {
    const latency = { command: { p50: 12, p99: 80 }, api: { p50: 20, p99: null } };
    const names = chartSeries([figures(1, { latency })]).latency.map((s) => s.name);
    expect(names).toEqual(["API requests p50", "API requests p99", "commands (handler) p50", "commands (handler) p99"]);
  });

  it("gives a component that stopped a gap, not a line to zero", () => {
    const history = [
      figures(1, { rssMiB: { backend: 100, nginx: 12 } }),
      figures(2, { rssMiB: { backend: 101 } }),
    ];
    const nginx = chartSeries(history).rss.find((s) => s.name === "nginx");
    expect(nginx?.points).toEqual([
      { x: -1, y: 12 },
      { x: 0, y: null },
    ]);
  });
});
