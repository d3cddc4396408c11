import { describe, expect, it } from "vitest";

import { parseSummary } from "./summary";

const stats = (mean: number | null) => ({
  n: 60,
  timeouts: mean === null ? 60 : 0,
  mean_ms: mean,
  p50_ms: mean,
  p99_ms: mean === null ? null : mean * 2,
  max_ms: mean === null ? null : mean * 3,
});

/** The shape bench/summary.py's summary_document writes. */
const document = {
  format: 1,
  generated_at: "2026-11-25T10:00:00+00:00",
  runs: [
    {
      run_id: "run-1",
      started_at: "2026-11-25T09:00:00+00:00",
      machine: { cpus: 2 },
      settings: { step_interactions: 60 },
      end_reason: "5 time-outs",
      max_load: 20,
      interactions: 180,
      steps: [
        { load: 20, latency: stats(null), polled: stats(null), components: {} },
        {
          load: 0,
          latency: stats(12.5),
          polled: stats(40),
          components: { backend: { cpu_percent: 12, rss_mib: 80.5, processes: 1 } },
        },
      ],
    },
  ],
};

describe("parseSummary", () => {
  it("reads what the benchmark report writes, steps by ascending load", () => {
    const read = parseSummary(document);
    expect(read.ok).toBe(true);
    if (read.ok) {
      const [first] = read.runs;
      expect(first?.steps.map((s) => s.load)).toEqual([0, 20]);
      expect(first?.steps[0]?.components.backend).toEqual({ cpu_percent: 12, rss_mib: 80.5 });
      expect(first?.steps[1]?.latency.mean_ms).toBeNull();
    }
  });

  it.each([
    [null, /the file is not an object/],
    [{ format: 2, runs: [] }, /unknown summary format 2/],
    [{ format: 1, runs: {} }, /runs is not a list/],
    [{ format: 1, runs: [{ run_id: "x", steps: [{ load: "high" }] }] }, /runs\[0\]\.steps\[0\]\.load is not a number/],
  ])("explains what is wrong with %j", (bad, reason) => {
    const read = parseSummary(bad);
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.reason).toMatch(reason);
    }
  });
});
