/**
 * Line charts drawn with Chart.js (canvas): x and y are numbers with their units in the
 * axis titles. Chart.js is loaded on first use, in its own chunk, so pages without charts
 * do not download it; only the parts a line chart needs are registered. The figures are
 * also on the page as text (tables) for screen readers and copying; each canvas carries
 * its title as `aria-label`.
 */

import type { Chart } from "chart.js";

import { type Point, type Series, chartDatasets } from "./chartData";
import { el } from "./dom";

export { type Series, LineChart };

type Axes = {
  title: string;
  /** The x axis' title with its unit, e.g. "background load (msg/s)". */
  x: string;
  /** The y axis' title with its unit, e.g. "latency (ms)". */
  y: string;
  /** Fixed x range (live charts: the last minute); else it follows the data. */
  xMin?: number;
  xMax?: number;
  testId?: string;
};

let library: Promise<typeof import("./chartjs")> | null = null;

function chartJs(): Promise<typeof import("./chartjs")> {
  library ??= import("./chartjs").catch((error: unknown) => {
    library = null; // the next chart tries again
    throw error;
  });
  return library;
}

/** One chart in a `<figure>`; `show()` redraws it with new series, `destroy()` frees it. */
class LineChart {
  readonly element: HTMLElement;
  private chart: Chart<"line", Point[]> | null = null;
  private series: Series[];
  private destroyed = false;
  private readonly pointRadius: number;

  constructor(axes: Axes, series: Series[] = [], options: { live?: boolean } = {}) {
    const canvas = el("canvas", { role: "img", "aria-label": axes.title });
    const box = el("div", { class: options.live ? "chart-box chart-box-live" : "chart-box" }, canvas);
    this.element = el("figure", { class: "chart-figure", "data-testid": axes.testId }, el("figcaption", {}, axes.title), box);
    this.series = series;
    this.pointRadius = options.live ? 0 : 3;
    chartJs().then(
      ({ Chart: ChartJs }) => {
        if (this.destroyed) {
          return;
        }
        this.chart = new ChartJs(canvas, {
          type: "line",
          data: { datasets: chartDatasets(this.series, this.pointRadius) },
          options: {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            parsing: false,
            normalized: true,
            interaction: { mode: "nearest", intersect: false },
            plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
            scales: {
              x: { type: "linear", min: axes.xMin, max: axes.xMax, title: { display: true, text: axes.x } },
              y: { type: "linear", beginAtZero: true, title: { display: true, text: axes.y } },
            },
          },
        });
      },
      (error: unknown) => {
        box.replaceChildren(el("p", { class: "muted" }, `The chart library did not load: ${String(error)}`));
      },
    );
  }

  show(series: Series[]): void {
    this.series = series;
    const chart = this.chart;
    if (chart === null) {
      return; // drawn with these series once the library has loaded
    }
    const current = chart.data.datasets;
    if (current.length === series.length && series.every((s, i) => current[i]?.label === s.name)) {
      // New points only: a series hidden by a click on its legend entry stays hidden.
      series.forEach((s, i) => {
        const dataset = current[i];
        if (dataset !== undefined) {
          dataset.data = s.points;
        }
      });
    } else {
      chart.data.datasets = chartDatasets(series, this.pointRadius);
    }
    chart.update("none");
  }

  destroy(): void {
    this.destroyed = true;
    this.chart?.destroy();
    this.chart = null;
  }
}
