import { describe, expect, it, vi } from "vitest";

// liveTransactions imports the connection, which opens a WebSocket when loaded; the pure
// sort is tested without one.
vi.mock("./connection", () => ({
  onReconnected: () => () => undefined,
  requestOnce: () => new Promise(() => undefined),
  subscribe: () => () => undefined,
}));

const { newestFirst } = await import("./liveTransactions");

const transaction = (id: number, decided: number | null = null) => ({
  id,
  decided,
  iban: "NL66OPEN0000000000",
  new_balance: "€0,00",
  changed_by: "€1,00",
  from_to: "cash",
  descr: "",
  direction: "CREDIT" as const,
});

describe("newestFirst", () => {
  it("orders by id, highest first, without changing its input", () => {
    const input = [transaction(3), transaction(10), transaction(7)];
    expect(newestFirst(input).map((t) => t.id)).toEqual([10, 7, 3]);
    expect(input.map((t) => t.id)).toEqual([3, 10, 7]);
  });

  it("orders by decided first: a change published late never shows as the newest", () => {
    // 12 was decided before 9 but reached the log after it; 2 predates `decided`.
    const input = [transaction(2), transaction(9, 40), transaction(12, 31)];
    expect(newestFirst(input).map((t) => t.id)).toEqual([9, 12, 2]);
  });
});
