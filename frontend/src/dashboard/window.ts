/**
 * From raw dashboard samples (cumulative counters, histogram buckets, CPU seconds; see
 * backend/dashboard/sample.py) to the figures drawn, as Prometheus' `rate()` and
 * `histogram_quantile()` would compute them. Pure, so Vitest checks every rule.
 */

export {
  type Figures,
  type Histogram,
  type Sample,
  LATENCY_WINDOW_S,
  counterRate,
  figuresAt,
  histogramQuantile,
  windowStart,
};

/** Cumulative counts: `counts[i]` observations ≤ `le[i]` seconds; the last count is all. */
type Histogram = { le: number[]; counts: number[] };

type Sample = {
  at: number;
  commandsTotal: number | null;
  answersTotal: number | null;
  latency: Record<string, Histogram>;
  lag: Record<string, number | null>;
  components: Record<string, { cpuSeconds: number; rssBytes: number }>;
};

/** What the page shows for one moment; null where a source was silent or too young. */
type Figures = {
  at: number;
  commandsPerS: number | null;
  answersPerS: number | null;
  /** Milliseconds, over the last {@link LATENCY_WINDOW_S} seconds, per histogram name. */
  latency: Record<string, { p50: number | null; p99: number | null }>;
  lag: Record<string, number | null>;
  /** % of one core, over the last second. */
  cpuPercent: Record<string, number | null>;
  rssMiB: Record<string, number>;
};

const LATENCY_WINDOW_S = 10;
const MIB = 1024 * 1024;

/**
 * Per-second increase of a counter between two readings. A counter that went down was
 * restarted, so it counted from zero since (Prometheus' reset rule).
 */
function counterRate(before: number | null | undefined, after: number | null | undefined, seconds: number): number | null {
  if (before === null || before === undefined || after === null || after === undefined || !(seconds > 0)) {
    return null;
  }
  const increase = after >= before ? after - before : after;
  return increase / seconds;
}

/**
 * Quantile `q` (0–1) of the observations made between two readings of a histogram,
 * linearly interpolated inside the bucket it falls in (as `histogram_quantile`); above
 * the largest finite bound it answers that bound. Null when nothing was observed. Without
 * `before`, or after a restart (a count went down), every observation of `after` counts.
 */
function histogramQuantile(q: number, before: Histogram | undefined, after: Histogram): number | null {
  if (after.counts.length !== after.le.length + 1) {
    return null;
  }
  const comparable =
    before !== undefined &&
    before.le.length === after.le.length &&
    before.le.every((bound, i) => bound === after.le[i]) &&
    before.counts.every((count, i) => count <= (after.counts[i] ?? -1));
  const counts = comparable ? after.counts.map((count, i) => count - (before.counts[i] ?? 0)) : after.counts;
  const total = counts[counts.length - 1] ?? 0;
  if (!(total > 0)) {
    return null;
  }
  const rank = q * total;
  const index = counts.findIndex((count) => count >= rank);
  if (index < 0 || index >= after.le.length) {
    return after.le[after.le.length - 1] ?? null;
  }
  const upper = after.le[index] ?? 0;
  const lower = index === 0 ? 0 : (after.le[index - 1] ?? 0);
  const below = index === 0 ? 0 : (counts[index - 1] ?? 0);
  const inBucket = (counts[index] ?? 0) - below;
  return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
}

/**
 * The sample to difference `samples[index]` against for a window of `seconds`: the newest
 * one at least that much older, else the oldest held (a page open for less than the
 * window); undefined when there is no older sample at all.
 */
function windowStart(samples: readonly Sample[], index: number, seconds: number): Sample | undefined {
  const latest = samples[index];
  if (latest === undefined || index === 0) {
    return undefined;
  }
  for (let i = index - 1; i >= 0; i -= 1) {
    const candidate = samples[i];
    if (candidate !== undefined && latest.at - candidate.at >= seconds - 0.5) {
      return candidate;
    }
  }
  return samples[0];
}

/** The figures of `samples[index]`, from it and the samples before it (oldest first). */
function figuresAt(samples: readonly Sample[], index: number): Figures | null {
  const now = samples[index];
  if (now === undefined) {
    return null;
  }
  const previous = index > 0 ? samples[index - 1] : undefined;
  const seconds = previous === undefined ? 0 : now.at - previous.at;
  const windowed = windowStart(samples, index, LATENCY_WINDOW_S);
  const latency: Figures["latency"] = {};
  for (const [name, histogram] of Object.entries(now.latency)) {
    // Without an older sample the buckets hold everything since the service started.
    const from = windowed?.latency[name];
    const usable = windowed !== undefined;
    latency[name] = {
      p50: usable ? scaled(histogramQuantile(0.5, from, histogram)) : null,
      p99: usable ? scaled(histogramQuantile(0.99, from, histogram)) : null,
    };
  }
  const cpuPercent: Figures["cpuPercent"] = {};
  const rssMiB: Figures["rssMiB"] = {};
  for (const [name, usage] of Object.entries(now.components)) {
    const rate = counterRate(previous?.components[name]?.cpuSeconds, usage.cpuSeconds, seconds);
    cpuPercent[name] = rate === null ? null : rate * 100;
    rssMiB[name] = usage.rssBytes / MIB;
  }
  return {
    at: now.at,
    commandsPerS: counterRate(previous?.commandsTotal, now.commandsTotal, seconds),
    answersPerS: counterRate(previous?.answersTotal, now.answersTotal, seconds),
    latency,
    lag: { ...now.lag },
    cpuPercent,
    rssMiB,
  };
}

function scaled(seconds: number | null): number | null {
  return seconds === null ? null : seconds * 1000;
}
