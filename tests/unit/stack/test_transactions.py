"""Reading `kafka-transactions.sh find-hanging` and deciding what to abort (pure).

The empty table is the tool's real answer on this stack's broker (Kafka 4.4.0); the rows
are written in the same format (its header, tab-separated, space-padded cells, a trailing
tab), since a Kafka 4 broker (KIP-890's server-side checks) gives no honest way to make a
transaction hang on purpose.
"""

import pytest

from stack.transactions import (
    HangingTransaction,
    abort_arguments,
    parse_hanging,
    parse_table,
    plan_aborts,
)

HEADER = (
    "Topic\tPartition\tProducerId\tProducerEpoch\tCoordinatorEpoch\tStartOffset\t"
    "LastTimestamp\tDuration(min)\t"
)
#: What the tool printed against this stack's broker (its stdout, as captured).
EMPTY = f"{HEADER}\n"
ROWS = (
    f"{HEADER}\n"
    "balance_changed\t3        \t2004      \t7            \t0               \t118211     \t"
    "1796540000000\t42           \t\n"
    "money_transfer_feedback\t0        \t2004      \t7            \t0               \t"
    "5012       \t1796540000000\t42           \t\n"
)


def test_the_real_empty_answer_means_nothing_hangs() -> None:
    assert parse_hanging(EMPTY) == []
    # A line before the table (a JVM warning, say) is not part of it.
    assert parse_hanging(f"WARNING: something the JVM says\n{EMPTY}") == []


def test_rows_become_records() -> None:
    assert parse_hanging(ROWS) == [
        HangingTransaction("balance_changed", 3, 118211, 2004, 7, 42),
        HangingTransaction("money_transfer_feedback", 0, 5012, 2004, 7, 42),
    ]


def test_output_without_the_table_is_an_error_not_an_all_clear() -> None:
    with pytest.raises(ValueError, match="no table"):
        parse_hanging("Exception in thread main: TimeoutException\n")
    with pytest.raises(ValueError, match="3 cells under 8 columns"):
        parse_table(f"{HEADER}\nbalance_changed\t3\t2004\t\n", "Topic")


def test_each_hanging_transaction_is_aborted_once_in_partition_order() -> None:
    first = HangingTransaction("money_transfer_feedback", 0, 5012, 2004, 7, 42)
    second = HangingTransaction("balance_changed", 3, 118211, 2004, 7, 42)
    # Three brokers report the replicas of one partition: one abort for it.
    assert plan_aborts([first, second, first]) == [second, first]
    # The consumer offsets go last: while they hang, the handler publishes nothing.
    offsets = HangingTransaction("__consumer_offsets", 20, 702, 2004, 7, 42)
    assert plan_aborts([offsets, first, second]) == [second, first, offsets]
    assert abort_arguments(second) == [
        "abort",
        "--topic",
        "balance_changed",
        "--partition",
        "3",
        "--start-offset",
        "118211",
    ]
    assert str(second) == (
        "balance_changed-3 from offset 118211 (producer 2004, epoch 7, open 42 min)"
    )
