/**
 * Reading the benchmark's summary (`/bench/summary.json`, written by `python -m bench
 * report`; format 1 is documented in docs/benchmark.md and made by bench/summary.py).
 *
 * The file comes from outside the app, so it is checked field by field; anything the
 * charts cannot use is reported in words instead of drawing nonsense.
 */

export {
  type ComponentUsage,
  type LatencyStats,
  type RunSummary,
  type StepSummary,
  type SummaryRead,
  parseSummary,
};

/** Milliseconds over the interactions that completed; null when none did. */
type LatencyStats = {
  n: number;
  timeouts: number;
  mean_ms: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
};

/** Mean CPU (% of one core) and memory (MiB) of one component during a step. */
type ComponentUsage = { cpu_percent: number; rss_mib: number };

/** One background-load step (msg/s). */
type StepSummary = {
  load: number;
  latency: LatencyStats;
  polled: LatencyStats | null;
  components: Record<string, ComponentUsage>;
};

type RunSummary = {
  run_id: string;
  started_at: string;
  end_reason: string | null;
  max_load: number;
  interactions: number;
  steps: StepSummary[];
};

type SummaryRead =
  | { ok: true; generatedAt: string; runs: RunSummary[] }
  | { ok: false; reason: string };

class Malformed extends Error {}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Malformed(`${where} is not an object`);
  }
  return value as Record<string, unknown>;
}

function num(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Malformed(`${where} is not a number`);
  }
  return value;
}

function numOrNull(value: unknown, where: string): number | null {
  return value === null || value === undefined ? null : num(value, where);
}

function text(value: unknown, where: string): string {
  if (typeof value !== "string") {
    throw new Malformed(`${where} is not text`);
  }
  return value;
}

function latency(value: unknown, where: string): LatencyStats {
  const item = record(value, where);
  return {
    n: num(item.n, `${where}.n`),
    timeouts: num(item.timeouts ?? 0, `${where}.timeouts`),
    mean_ms: numOrNull(item.mean_ms, `${where}.mean_ms`),
    p50_ms: numOrNull(item.p50_ms, `${where}.p50_ms`),
    p99_ms: numOrNull(item.p99_ms, `${where}.p99_ms`),
    max_ms: numOrNull(item.max_ms, `${where}.max_ms`),
  };
}

function step(value: unknown, where: string): StepSummary {
  const item = record(value, where);
  const components: Record<string, ComponentUsage> = {};
  for (const [name, usage] of Object.entries(record(item.components ?? {}, `${where}.components`))) {
    const fields = record(usage, `${where}.components.${name}`);
    components[name] = {
      cpu_percent: num(fields.cpu_percent, `${where}.components.${name}.cpu_percent`),
      rss_mib: num(fields.rss_mib, `${where}.components.${name}.rss_mib`),
    };
  }
  return {
    load: num(item.load, `${where}.load`),
    latency: latency(item.latency, `${where}.latency`),
    polled: item.polled === undefined || item.polled === null ? null : latency(item.polled, `${where}.polled`),
    components,
  };
}

function run(value: unknown, where: string): RunSummary {
  const item = record(value, where);
  if (!Array.isArray(item.steps)) {
    throw new Malformed(`${where}.steps is not a list`);
  }
  const steps = item.steps.map((s, index) => step(s, `${where}.steps[${index}]`));
  return {
    run_id: text(item.run_id, `${where}.run_id`),
    started_at: text(item.started_at ?? "", `${where}.started_at`),
    end_reason: item.end_reason === null || item.end_reason === undefined ? null : text(item.end_reason, `${where}.end_reason`),
    max_load: num(item.max_load ?? Math.max(0, ...steps.map((s) => s.load)), `${where}.max_load`),
    interactions: num(item.interactions ?? 0, `${where}.interactions`),
    steps: [...steps].sort((a, b) => a.load - b.load),
  };
}

/** Check a parsed summary.json; says what is wrong when it cannot be drawn. */
function parseSummary(document: unknown): SummaryRead {
  try {
    const top = record(document, "the file");
    if (top.format !== 1) {
      return { ok: false, reason: `unknown summary format ${JSON.stringify(top.format)} (expected 1)` };
    }
    if (!Array.isArray(top.runs)) {
      throw new Malformed("runs is not a list");
    }
    return {
      ok: true,
      generatedAt: text(top.generated_at ?? "", "generated_at"),
      runs: top.runs.map((r, index) => run(r, `runs[${index}]`)),
    };
  } catch (error) {
    if (error instanceof Malformed) {
      return { ok: false, reason: error.message };
    }
    throw error;
  }
}
