"""`./bank replay`: rebuild the read model from the log, compare it row for row with the live
one, and switch to it only if they match.

1. A schema ``replay_<time>`` in the backend's database gets the tables from the backend's
   migrations; the log (balance_changed, money_transfer_feedback) is read from offset 0 to
   the ends it has now and written there by the projector's own code.
2. Once the live projector has passed the same ends, both copies are compared by key:
   transactions before the ends, transfer results recorded before the rebuild began.
3. On a match the switch moves the live tables to ``replaced_<time>`` and the rebuilt ones
   into ``public`` in one transaction (``ReadModel.switch``); the API's queries wait for it
   for a moment and carry on, the projector goes on writing into the new tables.

Without live rows (the database was dropped, or a backend started since made it empty
tables) the rebuilt copy is checked against the handler's balances instead, and switched
to when they agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from backend.kafka.projector import project_batch
from replay.compare import Row, TableDiff, compare_rows, in_snapshot
from replay.handler_state import read_handler_state
from replay.ledger import compare_last_balances
from replay.log import LogReader, committed_offsets
from replay.read_model import ReadModel
from topology.serde import RecordSerde
from topology.topics import BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK

__all__ = ["ReplayConfig", "replay"]

_TOPICS = (BALANCE_CHANGED, MONEY_TRANSFER_FEEDBACK)
_PROGRESS_S = 5.0
_CATCH_UP_S = 30.0
_CHANGED_AT = 6  # column of transactions.changed_at in ReadModel rows


@dataclass(frozen=True, slots=True)
class ReplayConfig:
    """Where everything is; ``kafka`` is a consumer config of the backend's principal."""

    kafka: dict[str, Any]
    serde: RecordSerde
    database_url: str
    handler_database_url: str
    projector_group: str
    check_only: bool


def replay(config: ReplayConfig, out: TextIO) -> int:
    """Rebuild, compare, maybe switch; 0 when the copies match (or were switched), else 1."""
    model = ReadModel(config.database_url)
    stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    schema, aside = f"replay_{stamp}", f"replaced_{stamp}"
    switched = False
    try:
        live = model.has_live_rows()
        writer, engine, indexes = model.create_copy(schema)
        since = model.now()
        reader = LogReader(config.kafka, _TOPICS)
        try:
            ends = reader.snapshot_ends()
            started = time.monotonic()
            _rebuild(reader, config.serde, writer.write, out)
            model.build_indexes(indexes)
            seconds = max(time.monotonic() - started, 1e-9)
        finally:
            reader.close()
            engine.dispose()
        print(
            f"replay: read {reader.records:,} events of {', '.join(t.name for t in _TOPICS)}, "
            f"wrote and indexed them in {seconds:.1f} s: {reader.records / seconds:,.0f} events/s",
            file=out,
            flush=True,
        )
        partitions = BALANCE_CHANGED.partitions
        bc_ends = {p: end for (topic, p), end in ends.items() if topic == BALANCE_CHANGED.name}
        if live:
            _wait_for_projector(config, reader.last_records, out)
            comparing = time.monotonic()
            diffs = _compare(model, schema, bc_ends, partitions, since)
            rows = sum(d.matching + d.different + d.only_live + d.only_rebuilt for d in diffs)
            print(f"compared {rows:,} rows in {time.monotonic() - comparing:.1f} s", file=out)
            for diff in diffs:
                print(diff.summary(), file=out)
            for diff in diffs:
                for line in diff.examples:
                    print(f"  {line}", file=out)
            same = all(diff.ok for diff in diffs)
        else:
            print(
                "no live read model to compare with (its tables are gone or empty): checking "
                "the rebuild against the handler's balances",
                file=out,
            )
            same = _check_against_handler(model, schema, config.handler_database_url, out)
        if not same:
            print(
                f"replay: DIFFERENT: nothing switched; the rebuild ({schema}) is dropped", file=out
            )
            return 1
        if config.check_only:
            print("replay: the rebuild matches; --check-only: nothing switched", file=out)
            return 0
        low_id = min((end * partitions + p for p, end in bc_ends.items()), default=0)
        copied = model.switch(schema, aside, low_id, since)
        switched = True
        if copied is None:
            print("replay: switched: the rebuilt tables are live", file=out)
            return 0
        print(
            f"replay: switched: the rebuilt tables are live ({copied} rows written meanwhile "
            f"copied over, logins kept); the old tables are in schema {aside}",
            file=out,
        )
        print(f"  drop the old ones when done: DROP SCHEMA {aside} CASCADE;", file=out)
        return 0
    finally:
        if not switched:
            model.drop_copy(schema)
        model.close()


def _rebuild(
    reader: LogReader, serde: RecordSerde, write: Callable[..., None], out: TextIO
) -> None:
    """Decode each batch while the one before is written (psycopg waits without the GIL)."""
    last = time.monotonic()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-writer") as pool:
        writing: Future[None] | None = None
        for batch in reader.batches():
            transactions, results = project_batch(batch, serde)
            if writing is not None:
                writing.result()
            writing = pool.submit(write, transactions, results)
            now = time.monotonic()
            if now - last >= _PROGRESS_S:
                last = now
                print(f"  … {reader.records:,} events read", file=out, flush=True)
        if writing is not None:
            writing.result()


def _wait_for_projector(
    config: ReplayConfig, last_records: dict[tuple[str, int], int], out: TextIO
) -> None:
    """Wait until the live projector has committed past the last record the rebuild read
    (it writes a batch before committing it), so a row the rebuild has and the live one
    lacks is a real difference."""
    deadline = time.monotonic() + _CATCH_UP_S
    while True:
        committed = committed_offsets(config.kafka, config.projector_group, _TOPICS)
        behind = [key for key, last in last_records.items() if committed.get(key, -1) <= last]
        if not behind:
            return
        if time.monotonic() > deadline:
            print(
                f"warning: the live projector is behind the log on {len(behind)} partitions "
                f"after {_CATCH_UP_S:.0f} s (is the backend running?)",
                file=out,
            )
            return
        time.sleep(1.0)


def _compare(
    model: ReadModel, schema: str, ends: dict[int, int], partitions: int, since: datetime
) -> list[TableDiff]:
    def newer_transaction(row: Row) -> bool:
        return not in_snapshot(row[0], ends, partitions)

    def newer_result(row: Row) -> bool:
        recorded: datetime = row[-1]
        return recorded >= since

    return [
        compare_rows(
            "transactions",
            model.transactions("public"),
            model.transactions(schema),
            fillable=(_CHANGED_AT,),
            newer=newer_transaction,
        ),
        compare_rows(
            "transfer_results",
            model.transfer_results("public"),
            model.transfer_results(schema),
            newer=newer_result,
            width=3,
        ),
    ]


def _check_against_handler(model: ReadModel, schema: str, handler_url: str, out: TextIO) -> bool:
    rebuilt = model.last_balances(schema)
    handler = read_handler_state(handler_url).accounts  # read after the log: never behind it
    check = compare_last_balances(
        rebuilt, {iban: (a.changes, a.amount) for iban, a in handler.items()}
    )
    print(check.summary(), file=out)
    for line in check.examples:
        print(f"  {line}", file=out)
    return check.ok
