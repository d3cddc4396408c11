/**
 * The `dashboard` subscription (docs/frontend.md, "Dashboard"): its document and a
 * checked reading of each sample, so a changed or broken server says what is wrong
 * instead of drawing nonsense.
 */

import type { Histogram, Sample } from "./window";

export { DASHBOARD, parseSample };

const DASHBOARD = `subscription dashboard {
  dashboard {
    at commands_total answers_total
    latency { name le counts }
    lag { group messages }
    components { name cpu_seconds rss_bytes }
  }
}`;

class Malformed extends Error {}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Malformed(`${where} is not an object`);
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new Malformed(`${where} is not a list`);
  }
  return value;
}

function num(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Malformed(`${where} is not a number`);
  }
  return value;
}

function numOrNull(value: unknown, where: string): number | null {
  return value === null ? null : num(value, where);
}

function name(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") {
    throw new Malformed(`${where} is not a name`);
  }
  return value;
}

function histogram(value: unknown, where: string): [string, Histogram] {
  const item = record(value, where);
  const le = list(item.le, `${where}.le`).map((bound, i) => num(bound, `${where}.le[${i}]`));
  const counts = list(item.counts, `${where}.counts`).map((count, i) => num(count, `${where}.counts[${i}]`));
  if (counts.length !== le.length + 1) {
    throw new Malformed(`${where} has ${counts.length} counts for ${le.length} bounds (expected one more)`);
  }
  return [name(item.name, `${where}.name`), { le, counts }];
}

/** One `dashboard` result (`{dashboard: {...}}`), or the reason it cannot be drawn. */
function parseSample(data: unknown): { ok: true; sample: Sample } | { ok: false; reason: string } {
  try {
    const item = record(record(data, "the result").dashboard, "dashboard");
    const sample: Sample = {
      at: num(item.at, "at"),
      commandsTotal: numOrNull(item.commands_total, "commands_total"),
      answersTotal: numOrNull(item.answers_total, "answers_total"),
      latency: Object.fromEntries(list(item.latency, "latency").map((h, i) => histogram(h, `latency[${i}]`))),
      lag: Object.fromEntries(
        list(item.lag, "lag").map((value, i) => {
          const lag = record(value, `lag[${i}]`);
          return [name(lag.group, `lag[${i}].group`), numOrNull(lag.messages, `lag[${i}].messages`)];
        }),
      ),
      components: Object.fromEntries(
        list(item.components, "components").map((value, i) => {
          const c = record(value, `components[${i}]`);
          const where = `components[${i}]`;
          return [name(c.name, `${where}.name`), { cpuSeconds: num(c.cpu_seconds, `${where}.cpu_seconds`), rssBytes: num(c.rss_bytes, `${where}.rss_bytes`) }];
        }),
      ),
    };
    return { ok: true, sample };
  } catch (error) {
    if (error instanceof Malformed) {
      return { ok: false, reason: error.message };
    }
    throw error;
  }
}
