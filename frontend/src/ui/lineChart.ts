/**
 * A plain SVG line chart: x is the background load (msg/s), y a measured value. Enough
 * for the Background page without a charting library; a table beside it carries the
 * same numbers for screen readers and for copying.
 */

import { el, svg } from "./dom";

export { type Series, lineChart, niceMax };

type Series = { name: string; points: { x: number; y: number | null }[] };

const WIDTH = 640;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 16, bottom: 44, left: 64 };
const COLOURS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4", "#57606a"];

/** A round axis maximum at or above `value`: 1, 2, 2.5, 5 × 10^n. */
function niceMax(value: number): number {
  if (!(value > 0)) {
    return 1;
  }
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= value) ?? 10;
  return step * magnitude;
}

function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): HTMLElement {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  const xMax = niceMax(Math.max(0, ...xs));
  const yMax = niceMax(Math.max(0, ...ys));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number): number => MARGIN.left + (x / xMax) * plotW;
  const sy = (y: number): number => MARGIN.top + plotH - (y / yMax) * plotH;

  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": title,
    class: "chart",
  });
  for (let i = 0; i <= 4; i += 1) {
    const yValue = (yMax * i) / 4;
    const xValue = (xMax * i) / 4;
    chart.append(
      svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: sy(yValue), y2: sy(yValue), class: "grid" }),
      svg("text", { x: MARGIN.left - 6, y: sy(yValue) + 4, "text-anchor": "end", class: "tick" }, round(yValue)),
      svg("text", { x: sx(xValue), y: HEIGHT - MARGIN.bottom + 16, "text-anchor": "middle", class: "tick" }, round(xValue)),
    );
  }
  chart.append(
    svg("text", { x: MARGIN.left + plotW / 2, y: HEIGHT - 6, "text-anchor": "middle", class: "axis" }, xLabel),
    svg(
      "text",
      { x: 14, y: MARGIN.top + plotH / 2, "text-anchor": "middle", class: "axis", transform: `rotate(-90 14 ${MARGIN.top + plotH / 2})` },
      yLabel,
    ),
  );
  series.forEach((s, index) => {
    const colour = COLOURS[index % COLOURS.length] ?? "#000";
    const known = s.points.filter((p): p is { x: number; y: number } => p.y !== null);
    if (known.length > 1) {
      chart.append(
        svg("polyline", {
          points: known.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" "),
          fill: "none",
          stroke: colour,
          "stroke-width": 2,
        }),
      );
    }
    for (const p of known) {
      chart.append(svg("circle", { cx: sx(p.x), cy: sy(p.y), r: 3, fill: colour }, svg("title", {}, `${s.name}: ${round(p.y)} at ${p.x}`)));
    }
  });
  const legend = el(
    "ul",
    { class: "legend" },
    ...series.map((s, index) =>
      // An SVG swatch, not a style attribute: the CSP allows no inline styles.
      el(
        "li",
        {},
        svg("svg", { class: "swatch", viewBox: "0 0 10 10", "aria-hidden": "true" }, svg("rect", { width: 10, height: 10, fill: COLOURS[index % COLOURS.length] })),
        s.name,
      ),
    ),
  );
  return el("figure", { class: "chart-figure" }, el("figcaption", {}, title), chart, legend);
}

function round(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2).replace(/\.?0+$/, "") || "0";
}
