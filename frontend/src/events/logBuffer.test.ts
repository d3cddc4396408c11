import { describe, expect, it } from "vitest";

import type { LogBatch, LogRecord } from "../api/eventLog";
import { LogBuffer } from "./logBuffer";

function record(partition: number, offset: number, topic = "commands"): LogRecord {
  return {
    topic,
    partition,
    offset,
    timestamp_ms: 0,
    record_type: "ConfirmMoneyTransfer",
    schema_id: 2,
    command_id: null,
    fields: [],
  };
}

function batch(records: LogRecord[], oneIn = 1, matched = records.length, leftOut = 0, windowMs = 250): LogBatch {
  return { records, sampled_one_in: oneIn, matched, left_out: leftOut, window_ms: windowMs };
}

const offsets = (records: LogRecord[]): string[] => records.map((r) => `${r.partition}:${r.offset}`);

describe("LogBuffer", () => {
  it("draws at most perFrame rows a frame, oldest first", () => {
    const buffer = new LogBuffer(100, 2);
    buffer.add(batch([record(0, 1), record(1, 1), record(0, 2)]));
    expect(offsets(buffer.takeForFrame())).toEqual(["0:1", "1:1"]);
    expect(offsets(buffer.takeForFrame())).toEqual(["0:2"]);
    expect(buffer.takeForFrame()).toEqual([]);
  });

  it("drops repeats and anything behind its partition's last offset", () => {
    const buffer = new LogBuffer(100, 10);
    buffer.add(batch([record(0, 5), record(0, 6)]));
    buffer.add(batch([record(0, 5), record(0, 6), record(0, 7), record(0, 7, "balance_changed")]));
    expect(offsets(buffer.takeForFrame())).toEqual(["0:5", "0:6", "0:7", "0:7"]);
  });

  it("keeps only the newest capacity records and counts what gave way", () => {
    const buffer = new LogBuffer(3, 10);
    buffer.add(batch([1, 2, 3, 4, 5].map((o) => record(0, o))));
    expect(buffer.skipped).toBe(2);
    expect(offsets(buffer.takeForFrame())).toEqual(["0:3", "0:4", "0:5"]);
  });

  it("draws nothing while paused and says how much waits", () => {
    const buffer = new LogBuffer(3, 10);
    buffer.paused = true;
    buffer.add(batch([1, 2, 3, 4].map((o) => record(0, o))));
    expect(buffer.takeForFrame()).toEqual([]);
    expect(buffer.state).toBe("paused");
    expect(buffer.describe()).toBe("Paused: 3 new records waiting (the newest 3 are kept).");
    buffer.paused = false;
    expect(offsets(buffer.takeForFrame())).toEqual(["0:2", "0:3", "0:4"]);
  });

  it("says when the server samples, and the rate", () => {
    const buffer = new LogBuffer(100, 10);
    buffer.add(batch([record(0, 1)], 1, 1, 0, 500));
    expect(buffer.state).toBe("live");
    expect(buffer.describe()).toBe("Live: every record (2 records/s).");
    const busy = new LogBuffer(100, 10);
    busy.add(batch([record(0, 8), record(0, 9)], 1000, 2000, 1998));
    expect(busy.state).toBe("sampling");
    expect(busy.describe()).toBe("Sampling: about 1 in 1000 of 8000 records/s shown.");
    // The next window is quieter: the figures move, smoothed over the last windows.
    busy.add(batch([record(0, 10), record(0, 11)], 500, 1000, 998));
    expect(busy.describe()).toBe("Sampling: about 1 in 722 of 5778 records/s shown.");
  });

  it("takes no rate from the recent past", () => {
    const buffer = new LogBuffer(100, 10);
    buffer.add(batch([record(0, 1), record(0, 2)], 1, 2, 0, 0));
    expect(buffer.describe()).toBe("Live: every record.");
  });

  it("forgets everything on clear", () => {
    const buffer = new LogBuffer(100, 10);
    buffer.add(batch([record(0, 9)]));
    buffer.clear();
    buffer.add(batch([record(0, 1)]));
    expect(offsets(buffer.takeForFrame())).toEqual(["0:1"]);
  });
});
