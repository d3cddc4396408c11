import { afterEach, describe, expect, it, vi } from "vitest";
import { SERVICE_NAME, SPANS_URL, flushSpans, startSpan } from "./spans";
import { parseTraceparent } from "./traceparent";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("browser spans", () => {
  it("posts ended spans to Zipkin as JSON v2, a child in its parent's trace", async () => {
    const posted: { url: string; body: unknown }[] = [];
    vi.stubGlobal("fetch", async (url: string, init: { body: string }) => {
      posted.push({ url, body: JSON.parse(init.body) });
      return new Response(null, { status: 202 });
    });
    const click = startSpan("click deposit", undefined, "CLIENT");
    expect(parseTraceparent(click.traceparent)).toEqual(click.context);
    const render = startSpan("render transaction", click.context);
    render.end({ "transaction.id": "7" });
    click.end({ outcome: "success" });
    click.end({ outcome: "twice" }); // a second end is ignored
    await flushSpans();

    expect(posted).toHaveLength(1);
    expect(posted[0]?.url).toBe(SPANS_URL);
    const [child, root] = posted[0]?.body as Record<string, unknown>[];
    expect(root).toMatchObject({
      traceId: click.context.traceId,
      id: click.context.spanId,
      name: "click deposit",
      kind: "CLIENT",
      localEndpoint: { serviceName: SERVICE_NAME },
      tags: { outcome: "success" },
    });
    expect(root).not.toHaveProperty("parentId");
    expect(child).toMatchObject({
      traceId: click.context.traceId,
      parentId: click.context.spanId,
      name: "render transaction",
    });
    expect(child?.duration).toBeGreaterThan(0);
  });

  it("keeps the page going when Zipkin cannot be reached", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("network down");
    });
    startSpan("click transfer").end();
    await expect(flushSpans()).resolves.toBeUndefined();
  });
});
