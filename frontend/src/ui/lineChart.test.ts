import { describe, expect, it } from "vitest";

import { niceMax } from "./lineChart";

describe("niceMax", () => {
  it.each([
    [0, 1],
    [-5, 1],
    [Number.NaN, 1],
    [0.3, 0.5],
    [7, 10],
    [180, 200],
    [201, 250],
    [999, 1000],
    [2100, 2500],
  ])("rounds %d up to %d", (value, expected) => {
    expect(niceMax(value)).toBeCloseTo(expected, 10);
  });
});
