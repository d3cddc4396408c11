import { describe, expect, it } from "vitest";

import { parseSample } from "./sample";

const GOOD = {
  dashboard: {
    at: 1796539492.2,
    commands_total: 141,
    answers_total: null,
    latency: [{ name: "command", le: [0.01, 0.1], counts: [3, 5, 6] }],
    lag: [{ group: "command-handler", messages: 0 }, { group: "command-generator", messages: null }],
    components: [{ name: "kafka-1", cpu_seconds: 29.05, rss_bytes: 474587136 }],
  },
};

describe("parseSample", () => {
  it("reads a sample as the server sends it", () => {
    const read = parseSample(GOOD);
    expect(read).toEqual({
      ok: true,
      sample: {
        at: 1796539492.2,
        commandsTotal: 141,
        answersTotal: null,
        latency: { command: { le: [0.01, 0.1], counts: [3, 5, 6] } },
        lag: { "command-handler": 0, "command-generator": null },
        components: { "kafka-1": { cpuSeconds: 29.05, rssBytes: 474587136 } },
      },
    });
  });

  it.each([
    [{ dashboard: { ...GOOD.dashboard, at: "now" } }, "at is not a number"],
    [{ dashboard: { ...GOOD.dashboard, lag: {} } }, "lag is not a list"],
    [
      { dashboard: { ...GOOD.dashboard, latency: [{ name: "command", le: [0.01], counts: [1] }] } },
      "latency[0] has 1 counts for 1 bounds (expected one more)",
    ],
    [{ dashboard: { ...GOOD.dashboard, components: [{ name: "", cpu_seconds: 1, rss_bytes: 1 }] } }, "components[0].name is not a name"],
    [{}, "dashboard is not an object"],
  ])("says what is wrong", (data, reason) => {
    expect(parseSample(data)).toEqual({ ok: false, reason });
  });
});
