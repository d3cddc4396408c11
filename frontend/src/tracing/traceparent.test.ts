import { describe, expect, it } from "vitest";
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from "./traceparent";

describe("traceparent", () => {
  it("round-trips a context through its W3C form", () => {
    const context = { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
    const text = formatTraceparent(context);
    expect(text).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(parseTraceparent(text)).toEqual(context);
  });

  it("reads the sampled flag", () => {
    const unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    expect(parseTraceparent(unsampled)?.sampled).toBe(false);
  });

  it.each([
    "",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
    "00-00000000000000000000000000000000-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
  ])("refuses %j", (text) => {
    expect(parseTraceparent(text)).toBeNull();
  });

  it("makes distinct ids of the right length", () => {
    const ids = new Set(Array.from({ length: 50 }, newTraceId));
    expect(ids.size).toBe(50);
    expect(newSpanId()).toHaveLength(16);
  });
});
