import { describe, expect, it } from "vitest";
import { type ZipkinSpan, hopsOf } from "./timeline";

const span = (
  service: string,
  name: string,
  start: number,
  duration: number,
  extra: Partial<ZipkinSpan> = {},
): ZipkinSpan => ({
  localEndpoint: { serviceName: service },
  name,
  timestamp: start,
  duration,
  ...extra,
});

const CLICK_TRACE: ZipkinSpan[] = [
  span("browser", "click deposit", 0, 40_000, { kind: "CLIENT" }),
  span("backend", "graphql money_transfer", 2_000, 37_000, { kind: "SERVER" }),
  span("backend", "send confirmmoneytransfer", 2_500, 1_500, { kind: "PRODUCER" }),
  span("command-handler", "decide confirmmoneytransfer", 10_000, 20_000, {
    annotations: [{ timestamp: 14_000, value: '{"stored": {}}' }],
  }),
  span("backend", "deliver moneytransferconfirmed", 32_000, 500),
  span("backend", "deliver balancechanged", 31_000, 500),
  span("browser", "render transaction", 33_000, 9_000),
];

describe("hopsOf", () => {
  it("follows a click through every hop, each from one milestone to the next", () => {
    const hops = hopsOf(CLICK_TRACE);
    expect(hops.map((hop) => [hop.label, hop.durationMs])).toEqual([
      ["click → API", 2],
      ["API → Kafka (command acknowledged)", 2],
      ["Kafka → handler (fetch, batching)", 6],
      ["handler: decide + PostgreSQL", 4],
      ["handler: Kafka transaction", 16],
      ["Kafka → API (answer read)", 1],
      ["API → screen", 11],
    ]);
    const total = hops.reduce((sum, hop) => sum + hop.durationMs, 0);
    expect(total).toBe(42);
  });

  it("joins the neighbours of a hop whose span is missing", () => {
    const generated = [
      span("command-generator", "generate confirmmoneytransfer", 0, 100),
      span("command-handler", "decide confirmmoneytransfer", 5_000, 10_000),
      span("backend", "deliver balancechanged", 16_000, 300),
    ];
    expect(hopsOf(generated).map((hop) => [hop.label, hop.durationMs])).toEqual([
      ["Kafka → handler (fetch, batching)", 4.9],
      ["handler: decide + PostgreSQL", 10],
      ["Kafka → API (answer read)", 1],
    ]);
  });

  it("never has the handler start before the command was sent", () => {
    const late = [
      span("backend", "send confirmmoneytransfer", 0, 9_000, { kind: "PRODUCER" }),
      span("command-handler", "decide confirmmoneytransfer", 5_000, 10_000),
    ];
    expect(hopsOf(late).map((hop) => [hop.label, hop.durationMs])).toEqual([
      ["Kafka → handler (fetch, batching)", 0],
      ["handler: decide + PostgreSQL", 10],
    ]);
  });

  it("has no hops without spans, nor with the browser's alone", () => {
    expect(hopsOf([])).toEqual([]);
    expect(hopsOf([span("browser", "click deposit", 0, 40_000)])).toEqual([]);
  });
});
