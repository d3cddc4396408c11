"""Reading `KafkaTransactions` and deciding what hangs and in what order to abort it (pure).

The snapshot lines are in the program's format, with the states and partitions a real
hanging transaction showed in a kept stack's logs (a coordinator that completed the commit
without writing its markers); a Kafka 4 broker (KIP-890's server-side checks) gives no
honest way to make a transaction hang on purpose.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stack.hanging_transactions import (
    UNKNOWN_BOUND_S,
    Coordinated,
    HangingTransaction,
    OpenTransaction,
    Snapshot,
    abort_arguments,
    find_hanging,
    parse_aborts,
    parse_snapshot,
    plan_aborts,
)

NOW_MS = 1_796_540_000_000
SNAPSHOT = (
    "open\tbalance_changed\t3\t2004\t7\t118211\t1796539995000\n"
    "open\t__consumer_offsets\t20\t2004\t7\t702\t1796539995000\n"
    "open\tmoney_transfer_feedback\t0\t3001\t0\t5012\t1796539999000\n"
    "transaction\tcommand-handler-0\t2004\t7\tCompleteCommit\t\n"
    "transaction\tcommand-handler-1\t3001\t0\tOngoing\tmoney_transfer_feedback-0,commands-1\n"
    "still\tbalance_changed\t3\t2004\t118211\n"
    "still\t__consumer_offsets\t20\t2004\t702\n"
    "still\tmoney_transfer_feedback\t0\t3001\t5012\n"
)


def test_a_snapshot_reads_into_records() -> None:
    read = parse_snapshot(SNAPSHOT)
    opened, coordinated = read.opened, read.coordinated
    assert ("money_transfer_feedback", 0, 3001, 5012) in read.still
    assert opened[0] == OpenTransaction("balance_changed", 3, 2004, 7, 118211, 1796539995000)
    assert opened[0].name == "balance_changed-3"
    assert coordinated == [
        Coordinated("command-handler-0", 2004, 7, "CompleteCommit", frozenset()),
        Coordinated(
            "command-handler-1",
            3001,
            0,
            "Ongoing",
            frozenset({"money_transfer_feedback-0", "commands-1"}),
        ),
    ]
    assert parse_snapshot("") == Snapshot([], [], frozenset())
    with pytest.raises(ValueError, match="unexpected line"):
        parse_snapshot("java.util.concurrent.TimeoutException: timed out\n")


def test_a_transaction_its_coordinator_ended_without_it_hangs_at_any_age() -> None:
    hanging = find_hanging(parse_snapshot(SNAPSHOT), NOW_MS)
    assert [(t.topic, t.partition, t.last_write_s_ago) for t in hanging] == [
        ("__consumer_offsets", 20, 5),
        ("balance_changed", 3, 5),
    ]
    assert str(hanging[1]) == (
        "balance_changed-3 from offset 118211 (producer 2004, epoch 7, last write 5 s ago;"
        " command-handler-0 is CompleteCommit without it)"
    )


def test_a_transaction_that_ended_while_the_coordinators_were_asked_is_not_hanging() -> None:
    # Committed between the two looks: its coordinator completed, the partition is closed.
    ended = "".join(line + "\n" for line in SNAPSHOT.splitlines() if "118211" not in line)
    ended += "open\tbalance_changed\t3\t2004\t7\t118211\t1796539995000\n"
    hanging = find_hanging(parse_snapshot(ended), NOW_MS)
    assert [t.topic for t in hanging] == ["__consumer_offsets"]
    # The same producer opened its next transaction there meanwhile: another start offset.
    moved = ended + "still\tbalance_changed\t3\t2004\t118300\n"
    assert [t.topic for t in find_hanging(parse_snapshot(moved), NOW_MS)] == ["__consumer_offsets"]


def test_a_producer_no_coordinator_knows_hangs_only_past_the_bound() -> None:
    young = OpenTransaction("commands", 0, 9, 0, 17, NOW_MS - UNKNOWN_BOUND_S * 1000)
    old = OpenTransaction("commands", 1, 9, 0, 40, NOW_MS - UNKNOWN_BOUND_S * 1000 - 1)
    still = frozenset(("commands", t.partition, 9, t.start_offset) for t in (young, old))
    (hanging,) = find_hanging(Snapshot([young, old], [], still), NOW_MS)
    assert (hanging.partition, hanging.why) == (1, "its producer is unknown to every coordinator")


transactions = st.builds(
    OpenTransaction,
    topic=st.sampled_from(["commands", "balance_changed", "__consumer_offsets"]),
    partition=st.integers(0, 5),
    producer_id=st.integers(0, 3),
    producer_epoch=st.integers(0, 3),
    start_offset=st.integers(0, 10**6),
    last_write_ms=st.integers(NOW_MS - 10**6, NOW_MS + 1000),
)


@given(st.lists(transactions, max_size=8), st.data())
def test_a_transaction_its_coordinator_still_has_to_end_is_never_hanging(
    opened: list[OpenTransaction], data: st.DataObject
) -> None:
    # Whatever the ages: each coordinator that answers counts some of its producer's parts.
    coordinated = []
    for producer in {t.producer_id for t in opened}:
        parts = [t.name for t in opened if t.producer_id == producer]
        pending = frozenset(part for part in parts if data.draw(st.booleans()))
        coordinated.append(Coordinated(f"t-{producer}", producer, 0, "Ongoing", pending))
    still = frozenset((t.topic, t.partition, t.producer_id, t.start_offset) for t in opened)
    hanging = find_hanging(Snapshot(opened, coordinated, still), NOW_MS)
    counted = {(c.producer_id, part) for c in coordinated for part in c.pending}
    assert all((t.producer_id, f"{t.topic}-{t.partition}") not in counted for t in hanging)
    assert len(hanging) == sum((t.producer_id, t.name) not in counted for t in opened)


def test_the_consumer_offsets_are_aborted_in_a_round_after_every_other_part() -> None:
    first = HangingTransaction("money_transfer_feedback", 0, 5012, 2004, 7, 42, "x")
    second = HangingTransaction("balance_changed", 3, 118211, 2004, 7, 42, "x")
    offsets = HangingTransaction("__consumer_offsets", 20, 702, 2004, 7, 42, "x")
    again = HangingTransaction("balance_changed", 3, 118211, 2004, 7, 42, "x")  # seen twice
    rounds = plan_aborts([offsets, first, second, again])
    assert rounds == [[second, first], [offsets]]
    assert abort_arguments(rounds) == [
        "abort",
        "balance_changed:3:118211",
        "money_transfer_feedback:0:5012",
        "then",
        "__consumer_offsets:20:702",
    ]
    assert plan_aborts([first]) == [[first]]
    assert abort_arguments(plan_aborts([offsets])) == ["abort", "__consumer_offsets:20:702"]


def test_the_aborts_outcomes_read_per_part() -> None:
    output = (
        "aborted\tbalance_changed\t3\t118211\tproducer 2004, epoch 7\n"
        "gone\tmoney_transfer_feedback\t0\t5012\n"
        "failed\t__consumer_offsets\t20\t702\torg.apache.kafka.common.errors.TimeoutException\n"
    )
    assert parse_aborts(output) == {
        ("balance_changed", 3, 118211): ("aborted", "producer 2004, epoch 7"),
        ("money_transfer_feedback", 0, 5012): ("gone", ""),
        ("__consumer_offsets", 20, 702): (
            "failed",
            "org.apache.kafka.common.errors.TimeoutException",
        ),
    }
