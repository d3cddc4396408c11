import { describe, expect, it } from "vitest";

import { chartDatasets } from "./chartData";
import { KELLY, palette } from "./palette";

describe("palette", () => {
  it.each([1, 2, 8, 11, 20, 21, 40, 100])("gives %d different colours", (count) => {
    const colours = palette(count);
    expect(colours).toHaveLength(count);
    expect(new Set(colours.map((c) => c.toLowerCase())).size).toBe(count);
  });

  it("starts with Kelly's colours and has no white or black among them", () => {
    expect(palette(3)).toEqual(KELLY.slice(0, 3));
    expect(KELLY).not.toContain("#ffffff");
    expect(KELLY).not.toContain("#000000");
    expect(KELLY.every((colour) => /^#[0-9a-f]{6}$/.test(colour))).toBe(true);
  });
});

describe("chartDatasets", () => {
  it("never gives two series of one chart the same colour", () => {
    const series = Array.from({ length: 25 }, (_, i) => ({ name: `component ${i}`, points: [{ x: i, y: i }] }));
    const colours = chartDatasets(series).map((dataset) => dataset.borderColor);
    expect(new Set(colours).size).toBe(series.length);
  });

  it("gives a name the same colour wherever it sits in the same list of names", () => {
    const names = ["postgres", "kafka-1", "backend"];
    const cpu = chartDatasets(names.map((name) => ({ name, points: [] })));
    const rss = chartDatasets(names.map((name) => ({ name, points: [{ x: 1, y: 2 }] })));
    expect(cpu.map((d) => d.borderColor)).toEqual(rss.map((d) => d.borderColor));
  });

  it("keeps gaps as gaps", () => {
    const [dataset] = chartDatasets([{ name: "p99", points: [{ x: 0, y: 1 }, { x: 1, y: null }, { x: 2, y: 3 }] }]);
    expect(dataset?.data).toEqual([{ x: 0, y: 1 }, { x: 1, y: null }, { x: 2, y: 3 }]);
    expect(dataset?.spanGaps).toBe(false);
  });
});
