import { describe, expect, it } from "vitest";

import { type Histogram, type Sample, counterRate, figuresAt, histogramQuantile, windowStart } from "./window";

const LE = [0.01, 0.025, 0.05, 0.1];

function hist(counts: number[]): Histogram {
  return { le: LE, counts };
}

function sample(at: number, fields: Partial<Sample> = {}): Sample {
  return { at, commandsTotal: null, answersTotal: null, latency: {}, lag: {}, components: {}, ...fields };
}

describe("counterRate", () => {
  it("is the increase per second", () => {
    expect(counterRate(1000, 1500, 1)).toBe(500);
    expect(counterRate(1000, 1500, 2)).toBe(250);
  });

  it("counts from zero after a restart (the counter went down)", () => {
    expect(counterRate(1000, 40, 1)).toBe(40);
  });

  it("is unknown without both readings or without time between them", () => {
    expect(counterRate(null, 10, 1)).toBeNull();
    expect(counterRate(10, undefined, 1)).toBeNull();
    expect(counterRate(10, 20, 0)).toBeNull();
  });
});

describe("histogramQuantile", () => {
  it("interpolates inside the bucket the rank falls in", () => {
    // 100 observations between the readings: 50 ≤ 10 ms, 40 in (10, 25], 10 in (25, 50].
    const before = hist([100, 100, 100, 100, 100]);
    const after = hist([150, 190, 200, 200, 200]);
    expect(histogramQuantile(0.5, before, after)).toBeCloseTo(0.01, 10);
    // rank 99: 9 of the 10 in (25, 50] → 25 + 25 * 9/10 ms.
    expect(histogramQuantile(0.99, before, after)).toBeCloseTo(0.0475, 10);
    // rank 70: 20 of the 40 in (10, 25] → 17.5 ms.
    expect(histogramQuantile(0.7, before, after)).toBeCloseTo(0.0175, 10);
  });

  it("looks only at the observations between the two readings", () => {
    // Slow before the window (all in (50, 100]), fast inside it.
    const before = hist([0, 0, 0, 1000, 1000]);
    const after = hist([100, 100, 100, 1100, 1100]);
    expect(histogramQuantile(0.99, before, after)).toBeLessThanOrEqual(0.01);
  });

  it("answers the largest finite bound when the rank is in the +Inf bucket", () => {
    expect(histogramQuantile(0.99, hist([0, 0, 0, 0, 0]), hist([0, 0, 0, 0, 10]))).toBe(0.1);
  });

  it("is unknown when nothing was observed in the window", () => {
    expect(histogramQuantile(0.5, hist([5, 5, 5, 5, 5]), hist([5, 5, 5, 5, 5]))).toBeNull();
  });

  it("counts everything since a restart when a count went down", () => {
    expect(histogramQuantile(0.5, hist([500, 500, 500, 500, 500]), hist([0, 10, 10, 10, 10]))).toBeCloseTo(0.0175, 10);
  });

  it("refuses buckets that don't match their bounds", () => {
    expect(histogramQuantile(0.5, undefined, { le: LE, counts: [1, 2] })).toBeNull();
  });
});

describe("windowStart", () => {
  const samples = Array.from({ length: 15 }, (_, i) => sample(100 + i));

  it("is the newest sample at least the window older", () => {
    expect(windowStart(samples, 14, 10)?.at).toBe(104);
  });

  it("is the oldest sample while the page is younger than the window", () => {
    expect(windowStart(samples, 5, 10)?.at).toBe(100);
  });

  it("is nothing for the first sample", () => {
    expect(windowStart(samples, 0, 10)).toBeUndefined();
  });
});

describe("figuresAt", () => {
  it("turns cumulative samples into rates, windowed quantiles, CPU % and MiB", () => {
    const samples: Sample[] = [];
    for (let i = 0; i <= 12; i += 1) {
      // 100 commands and 90 answers a second; 20 latencies a second, all ≤ 10 ms until
      // second 8, then all in (25, 50] ms.
      const fast = Math.min(i, 8) * 20;
      const slow = Math.max(0, i - 8) * 20;
      samples.push(
        sample(1000 + i, {
          commandsTotal: 5000 + 100 * i,
          answersTotal: 4000 + 90 * i,
          latency: { command: hist([fast, fast, fast + slow, fast + slow, fast + slow]) },
          lag: { "command-handler": 7 },
          components: { backend: { cpuSeconds: 10 + 0.25 * i, rssBytes: 100 * 1024 * 1024 } },
        }),
      );
    }
    const figures = figuresAt(samples, 12);
    expect(figures?.commandsPerS).toBe(100);
    expect(figures?.answersPerS).toBe(90);
    // Window 1002 → 1012: 120 fast and 80 slow observations; p50 fast, p99 slow.
    expect(figures?.latency.command?.p50).toBeCloseTo((10 * 100) / 120, 6);
    expect(figures?.latency.command?.p99).toBeGreaterThan(25);
    expect(figures?.latency.command?.p99).toBeLessThanOrEqual(50);
    expect(figures?.lag).toEqual({ "command-handler": 7 });
    expect(figures?.cpuPercent.backend).toBeCloseTo(25, 10);
    expect(figures?.rssMiB.backend).toBe(100);
  });

  it("leaves rates and quantiles unknown for the very first sample", () => {
    const figures = figuresAt([sample(1, { commandsTotal: 3, latency: { api: hist([1, 1, 1, 1, 1]) } })], 0);
    expect(figures?.commandsPerS).toBeNull();
    expect(figures?.latency.api).toEqual({ p50: null, p99: null });
  });
});
