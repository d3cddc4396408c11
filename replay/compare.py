"""Row-for-row comparison of a live table with its rebuilt copy (pure).

Both sides come as rows sorted by their key (the first column), so millions of rows are
compared by one merge, streamed from two cursors, without holding either table in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Row", "TableDiff", "compare_rows", "in_snapshot"]

Row = tuple[Any, ...]
_MISSING: Row = ()


@dataclass(slots=True)
class TableDiff:
    """What a comparison found; ``examples`` holds the first differences, in key order."""

    table: str
    matching: int = 0
    only_live: int = 0
    only_rebuilt: int = 0
    different: int = 0
    #: Rows equal once the rebuild's values fill columns the live row had empty (NULL).
    filled: int = 0
    #: Live rows written after the rebuild's snapshot of the log: not compared.
    newer: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row has its equal on the other side."""
        return not (self.only_live or self.only_rebuilt or self.different)

    def summary(self) -> str:
        """One line of counts."""
        verdict = "match" if self.ok else "DIFFER"
        line = (
            f"{self.table}: {verdict}: {self.matching} equal, {self.different} different, "
            f"{self.only_live} only in the live one, {self.only_rebuilt} only in the rebuilt one"
        )
        if self.filled:
            line += f"; {self.filled} of the equal ones get a value the live one lacked"
        if self.newer:
            line += f"; {self.newer} live rows newer than the rebuild, not compared"
        return line


def _sorted(rows: Iterable[Row], side: str) -> Iterator[Row]:
    previous: Any = None
    for row in rows:
        if previous is not None and not previous < row[0]:
            raise ValueError(f"{side} rows are not sorted by a unique key at {row[0]!r}")
        previous = row[0]
        yield row


def _equal(live: Row, rebuilt: Row, fillable: Collection[int]) -> tuple[bool, bool]:
    """(equal, filled): columns in ``fillable`` that are None on the live side may differ."""
    filled = False
    for index, (left, right) in enumerate(zip(live, rebuilt, strict=True)):
        if left == right:
            continue
        if index in fillable and left is None:
            filled = True
            continue
        return False, False
    return True, filled


def compare_rows(
    table: str,
    live: Iterable[Row],
    rebuilt: Iterable[Row],
    *,
    fillable: Collection[int] = (),
    newer: Callable[[Row], bool] | None = None,
    width: int | None = None,
    keep: int = 5,
) -> TableDiff:
    """Merge two key-sorted row streams; count and describe every difference.

    A column index in ``fillable`` may be None on the live side (the rebuild knows more);
    a live row that ``newer`` accepts and the rebuild lacks came after the rebuild's end.
    Only the first ``width`` columns are compared (the others may feed ``newer``).
    """
    diff = TableDiff(table)
    left, right = _sorted(live, "live"), _sorted(rebuilt, "rebuilt")
    a, b = next(left, _MISSING), next(right, _MISSING)
    while a or b:
        if b is _MISSING or (a and a[0] < b[0]):
            if newer is not None and newer(a):
                diff.newer += 1
            else:
                diff.only_live += 1
                _note(diff, keep, f"only in the live one: {a}")
            a = next(left, _MISSING)
        elif a is _MISSING or b[0] < a[0]:
            diff.only_rebuilt += 1
            _note(diff, keep, f"only in the rebuilt one: {b}")
            b = next(right, _MISSING)
        else:
            equal, filled = _equal(a[:width], b[:width], fillable)
            if equal:
                diff.matching += 1
                diff.filled += filled
            else:
                diff.different += 1
                _note(diff, keep, f"live {a} != rebuilt {b}")
            a, b = next(left, _MISSING), next(right, _MISSING)
    return diff


def _note(diff: TableDiff, keep: int, line: str) -> None:
    if len(diff.examples) < keep:
        diff.examples.append(f"{diff.table}: {line}")


def in_snapshot(transaction_id: int, ends: Mapping[int, int], partitions: int) -> bool:
    """Whether the event behind ``transaction_id`` (``backend.transaction_ids``) lies before
    its partition's end in ``ends`` (partition → end offset)."""
    offset, partition = divmod(transaction_id, partitions)
    return offset < ends.get(partition, 0)
