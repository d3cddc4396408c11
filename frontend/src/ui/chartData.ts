/** Series → Chart.js datasets, pure (no canvas), so their colours can be tested. */

import { palette } from "./palette";

export { type ChartDataset, type Point, type Series, chartDatasets };

type Point = { x: number; y: number | null };
type Series = { name: string; points: Point[] };

type ChartDataset = {
  label: string;
  data: Point[];
  borderColor: string;
  backgroundColor: string;
  borderWidth: number;
  pointRadius: number;
  spanGaps: boolean;
};

/** One dataset per series, each in its own colour (its index in `series`). */
function chartDatasets(series: readonly Series[], pointRadius = 2): ChartDataset[] {
  const colours = palette(series.length);
  return series.map((s, index) => {
    const colour = colours[index] ?? "#000";
    return {
      label: s.name,
      data: s.points,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      pointRadius,
      // A missing figure (a silent source, a step without data) stays a gap, not a line.
      spanGaps: false,
    };
  });
}
