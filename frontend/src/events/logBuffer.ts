/**
 * What the Events page keeps and draws, bounded whatever the load: the last `capacity`
 * records, at most `perFrame` new rows drawn per animation frame, and while paused
 * nothing drawn (new records wait, the oldest of them giving way beyond `capacity`).
 *
 * Records arrive in log order per partition; one at or below the last offset seen on its
 * partition is a repeat (the recent past sent again after a reconnect) and is dropped, so
 * the rows stay in log order per partition.
 */

import { type LogBatch, type LogRecord } from "../api/eventLog";

export { LogBuffer, type Sampling };

/** Weight of the previous windows in the indicator's sums (a window is ~250 ms). */
const DECAY = 0.8;

/** How much of the stream the person sees; `oneIn` 1 and `leftOut` 0: everything. */
type Sampling = { oneIn: number; matchedPerSecond: number; leftOut: number };

class LogBuffer {
  private readonly lastOffset = new Map<string, number>();
  /** Received, not drawn yet (oldest first). */
  private waiting: LogRecord[] = [];
  /** Records that gave way before they were drawn (the screen kept only the newest). */
  skipped = 0;
  paused = false;
  sampling: Sampling = { oneIn: 1, matchedPerSecond: 0, leftOut: 0 };
  /** Decaying sums over the last windows (~2 s), so the indicator does not jump. */
  private recent = { matched: 0, sent: 0, ms: 0 };

  constructor(
    readonly capacity: number,
    readonly perFrame: number,
  ) {}

  /** Take a batch from the server. */
  add(batch: LogBatch): void {
    for (const record of batch.records) {
      const partition = `${record.topic}/${record.partition}`;
      const last = this.lastOffset.get(partition);
      if (last !== undefined && record.offset <= last) {
        continue;
      }
      this.lastOffset.set(partition, record.offset);
      this.waiting.push(record);
    }
    const over = this.waiting.length - this.capacity;
    if (over > 0) {
      this.waiting.splice(0, over);
      this.skipped += over;
    }
    if (batch.window_ms <= 0) {
      return; // the recent past says nothing about the rate
    }
    const r = this.recent;
    this.recent = {
      matched: r.matched * DECAY + batch.matched,
      sent: r.sent * DECAY + batch.records.length,
      ms: r.ms * DECAY + batch.window_ms,
    };
    const { matched, sent, ms } = this.recent;
    this.sampling = {
      oneIn: sent > 0 ? Math.max(1, Math.round(matched / sent)) : batch.sampled_one_in,
      matchedPerSecond: Math.round((matched * 1000) / ms),
      leftOut: batch.left_out,
    };
  }

  /** The records to draw in this frame (oldest first), none while paused. */
  takeForFrame(): LogRecord[] {
    if (this.paused) {
      return [];
    }
    return this.waiting.splice(0, this.perFrame);
  }

  /** Records received but not drawn yet. */
  get pending(): number {
    return this.waiting.length;
  }

  /** What the person sees of the stream, in words (the page's indicator). */
  describe(): string {
    if (this.paused) {
      return `Paused: ${this.pending} new records waiting (the newest ${this.capacity} are kept).`;
    }
    const { oneIn, matchedPerSecond, leftOut } = this.sampling;
    if (oneIn > 1 || leftOut > 0) {
      return `Sampling: about 1 in ${Math.max(oneIn, 2)} of ${matchedPerSecond} records/s shown.`;
    }
    return matchedPerSecond > 0 ? `Live: every record (${matchedPerSecond} records/s).` : "Live: every record.";
  }

  /** "paused", "sampling" or "live" (the indicator's data-state). */
  get state(): "paused" | "sampling" | "live" {
    if (this.paused) {
      return "paused";
    }
    return this.sampling.oneIn > 1 || this.sampling.leftOut > 0 ? "sampling" : "live";
  }

  /** Forget everything (a new filter). */
  clear(): void {
    this.lastOffset.clear();
    this.waiting = [];
    this.skipped = 0;
    this.sampling = { oneIn: 1, matchedPerSecond: 0, leftOut: 0 };
    this.recent = { matched: 0, sent: 0, ms: 0 };
  }
}
