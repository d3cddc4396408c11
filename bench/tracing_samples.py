"""The deposits of `python -m bench tracing`: one row each, and the gzipped JSON-lines file
that keeps a run (its settings, then one row per deposit) for `--report`."""

from __future__ import annotations

import gzip
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

__all__ = ["Deposit", "pooled", "read_run", "write_run"]


@dataclass(frozen=True, slots=True)
class Deposit:
    """One deposit: when it was sent (s from the run's start), whether it carried a sampled
    trace context, its trace id (empty when read back from a file), its latency in ms (None:
    failed or timed out), and, in a run that switches tracing in the whole stack, its segment
    and whether the stack traced at all then; `steal`: the share of the machine's CPU time
    the hypervisor took while its segment ran (None: not recorded)."""

    sent_s: float
    traced: bool
    trace_id: str
    latency_ms: float | None
    segment: int = 0
    stack_tracing: bool = True
    steal: float | None = None


def write_run(out_dir: Path, header: Mapping[str, Any], deposits: Sequence[Deposit]) -> Path:
    """The run as gzipped JSON lines: `header`, then one row per deposit, without its trace
    id (only the run's own look-up in Zipkin needs it), to the 0.01 ms."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / time.strftime("tracing-%Y%m%dT%H%M%SZ.jsonl.gz", time.gmtime())
    with gzip.open(path, "wt") as out:
        out.write(json.dumps(header) + "\n")
        for d in deposits:
            latency_ms = None if d.latency_ms is None else round(d.latency_ms, 2)
            row = {"sent_s": round(d.sent_s, 3), "traced": d.traced, "latency_ms": latency_ms}
            if d.segment or not d.stack_tracing:
                row |= {"segment": d.segment, "stack_tracing": d.stack_tracing}
            if d.steal is not None:
                row["steal"] = round(d.steal, 4)
            out.write(json.dumps(row) + "\n")
    return path


def read_run(path: Path) -> tuple[dict[str, Any], list[Deposit]]:
    """A written run's header and deposits."""
    with gzip.open(path, "rt") as lines:
        header, *rows = (json.loads(line) for line in lines)
    deposits = [
        Deposit(
            r["sent_s"],
            r["traced"],
            "",
            r["latency_ms"],
            r.get("segment", 0),
            r.get("stack_tracing", True),
            r.get("steal"),
        )
        for r in rows
    ]
    return header, deposits


def pooled(runs: Sequence[Sequence[Deposit]], block_s: float) -> list[Deposit]:
    """Runs laid one after the other: each from a block boundary, so that no block holds
    deposits of two runs, and each from an even segment, so that no pair of segments does."""
    pool: list[Deposit] = []
    for deposits in runs:
        start_s = math.ceil(max((d.sent_s for d in pool), default=-1.0) / block_s + 1e-9)
        last_segment = max((d.segment for d in pool), default=-1)
        first_segment = last_segment + 1 + (last_segment + 1) % 2
        pool += [
            replace(d, sent_s=d.sent_s + start_s * block_s, segment=d.segment + first_segment)
            for d in deposits
        ]
    return pool
