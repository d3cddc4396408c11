import { afterEach, describe, expect, it, vi } from "vitest";

import { newUuid } from "./uuid";

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newUuid", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("makes lower-case version 4 ids", () => {
    expect(newUuid()).toMatch(V4);
  });

  it("makes them without randomUUID (plain http on another host)", () => {
    const real = globalThis.crypto;
    vi.stubGlobal("crypto", { getRandomValues: (bytes: Uint8Array<ArrayBuffer>) => real.getRandomValues(bytes) });
    const ids = new Set(Array.from({ length: 100 }, newUuid));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(V4);
    }
  });
});
