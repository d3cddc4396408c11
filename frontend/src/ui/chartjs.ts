/**
 * The parts of Chart.js a line chart needs, registered once. Imported dynamically by
 * charts.ts, so it becomes its own chunk and the rest of the library is shaken out.
 */

import { Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from "chart.js";

export { Chart };

Chart.register(LineController, LineElement, LinearScale, PointElement, Legend, Tooltip);
