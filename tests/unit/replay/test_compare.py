"""Row-for-row comparison of a live table with its rebuild."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.transaction_ids import transaction_id
from replay.compare import Row, compare_rows, in_snapshot

rows = st.dictionaries(st.integers(0, 200), st.tuples(st.integers(0, 3), st.text(max_size=2)))


def table(found: dict[int, tuple[int, str]]) -> list[Row]:
    return [(key, *values) for key, values in sorted(found.items())]


@given(rows)
def test_a_table_matches_itself(found: dict[int, tuple[int, str]]) -> None:
    diff = compare_rows("t", table(found), table(found))
    assert diff.ok
    assert diff.matching == len(found)
    assert not diff.examples


@given(rows, rows)
def test_every_key_is_counted_once_on_the_side_it_is(
    live: dict[int, tuple[int, str]], rebuilt: dict[int, tuple[int, str]]
) -> None:
    diff = compare_rows("t", table(live), table(rebuilt), keep=1000)
    both = live.keys() & rebuilt.keys()
    assert diff.only_live == len(live.keys() - rebuilt.keys())
    assert diff.only_rebuilt == len(rebuilt.keys() - live.keys())
    assert diff.different == sum(1 for k in both if live[k] != rebuilt[k])
    assert diff.matching == sum(1 for k in both if live[k] == rebuilt[k])
    assert diff.ok == (live == rebuilt)
    assert len(diff.examples) == diff.only_live + diff.only_rebuilt + diff.different


def test_the_report_names_the_first_differences_in_key_order() -> None:
    live = [(1, "a"), (2, "b"), (4, "d"), (5, "e")]
    rebuilt = [(1, "a"), (2, "B"), (3, "c"), (5, "e")]
    diff = compare_rows("transactions", live, rebuilt, keep=2)
    assert (diff.matching, diff.different, diff.only_live, diff.only_rebuilt) == (2, 1, 1, 1)
    assert diff.examples == [
        "transactions: live (2, 'b') != rebuilt (2, 'B')",
        "transactions: only in the rebuilt one: (3, 'c')",
    ]
    assert "DIFFER: 2 equal, 1 different, 1 only in the live one" in diff.summary()


def test_a_live_row_without_a_timestamp_is_filled_not_different() -> None:
    diff = compare_rows(
        "t", [(1, "a", None), (2, "b", 7)], [(1, "a", 5), (2, "b", 8)], fillable=(2,)
    )
    assert (diff.matching, diff.filled, diff.different) == (1, 1, 1)
    refused = compare_rows("t", [(1, "a", 5)], [(1, "a", None)], fillable=(2,))
    assert refused.different == 1  # only the live side may lack it


def test_live_rows_newer_than_the_rebuild_are_not_differences() -> None:
    diff = compare_rows(
        "t", [(1, "x"), (8, "y"), (9, "z")], [(1, "x")], newer=lambda row: row[0] >= 8
    )
    assert diff.ok
    assert diff.newer == 2
    missing = compare_rows("t", [(1, "x")], [(1, "x"), (8, "y")], newer=lambda row: True)
    assert missing.only_rebuilt == 1  # the rebuild never has rows the log lacks


def test_only_the_first_columns_are_compared_when_asked() -> None:
    assert compare_rows("t", [(1, "x", "09:00")], [(1, "x", "10:00")], width=2).ok


def test_unsorted_input_is_refused() -> None:
    with pytest.raises(ValueError, match="live rows are not sorted"):
        compare_rows("t", [(2,), (1,)], [])


@given(st.integers(0, 5), st.integers(0, 5_000), st.dictionaries(st.integers(0, 5), st.integers()))
def test_an_event_is_in_the_snapshot_when_its_offset_is_before_its_partitions_end(
    partition: int, offset: int, ends: dict[int, int]
) -> None:
    inside = in_snapshot(transaction_id(partition, offset, 6), ends, 6)
    assert inside == (offset < ends.get(partition, 0))
