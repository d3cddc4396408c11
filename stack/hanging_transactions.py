"""Hanging Kafka transactions: what `stack/kafka/KafkaTransactions.java` reports, what of
it hangs, and in what order to abort it (pure; `stack.transactions` runs the program).

An open transaction hangs when:
- its producer's coordinator answers for it and no longer counts the partition among those
  it still has to end (it has completed, or moved on): Kafka's own `find-hanging` rule,
  taken at any age, since only a coordinator that holds its state answers; the partition
  must still be open with the same start offset after that answer, so a transaction that
  ended in between is not taken for a forgotten one; or
- no coordinator knows its producer and its last write is older than `UNKNOWN_BOUND_S`,
  past any producer's time-out: right after a broker starts, a coordinator that has not
  taken its partitions yet lists nothing, and a live transaction must not look hanging.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "UNKNOWN_BOUND_S",
    "Coordinated",
    "HangingTransaction",
    "OpenTransaction",
    "Snapshot",
    "abort_arguments",
    "find_hanging",
    "parse_aborts",
    "parse_snapshot",
    "plan_aborts",
]

#: An open transaction no coordinator knows is hanging once its last write is older than
#: this: the brokers' longest transaction time-out and their look for expired ones (45 s
#: and 10 s, `stack.kafka_config`), rounded up, so a live transaction was aborted by then.
UNKNOWN_BOUND_S = 60

_OFFSETS_TOPIC = "__consumer_offsets"


@dataclass(frozen=True, slots=True)
class OpenTransaction:
    """An open transaction on one partition, as its leader describes the producer."""

    topic: str
    partition: int
    producer_id: int
    producer_epoch: int
    start_offset: int
    last_write_ms: int

    @property
    def name(self) -> str:
        """`topic-partition`, as Kafka writes a partition."""
        return f"{self.topic}-{self.partition}"


@dataclass(frozen=True, slots=True)
class Coordinated:
    """What a coordinator answers for one transactional id."""

    transactional_id: str
    producer_id: int
    producer_epoch: int
    state: str
    pending: frozenset[str]  # the partitions it still has to end, `topic-partition`


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One look: the open transactions, what the coordinators answered for their producers,
    and which of them were still open after that answer: (topic, partition, producer id,
    start offset)."""

    opened: list[OpenTransaction]
    coordinated: list[Coordinated]
    still: frozenset[tuple[str, int, int, int]]


@dataclass(frozen=True, slots=True, order=True)
class HangingTransaction:
    """One open transaction on one partition that nothing will end."""

    topic: str
    partition: int
    start_offset: int
    producer_id: int
    producer_epoch: int
    last_write_s_ago: int
    why: str

    def __str__(self) -> str:
        return (
            f"{self.topic}-{self.partition} from offset {self.start_offset} (producer"
            f" {self.producer_id}, epoch {self.producer_epoch}, last write"
            f" {self.last_write_s_ago} s ago; {self.why})"
        )


def parse_snapshot(output: str) -> Snapshot:
    """What `KafkaTransactions snapshot` printed, as records."""
    opened: list[OpenTransaction] = []
    coordinated: list[Coordinated] = []
    still: set[tuple[str, int, int, int]] = set()
    for line in output.splitlines():
        cells = line.split("\t")
        if cells[0] == "open" and len(cells) == 7:
            topic, partition, producer, epoch, start, last = cells[1:]
            opened.append(
                OpenTransaction(
                    topic, int(partition), int(producer), int(epoch), int(start), int(last)
                )
            )
        elif cells[0] == "transaction" and len(cells) == 6:
            transactional_id, producer, epoch, state, pending = cells[1:]
            parts = frozenset(part for part in pending.split(",") if part)
            coordinated.append(
                Coordinated(transactional_id, int(producer), int(epoch), state, parts)
            )
        elif cells[0] == "still" and len(cells) == 5:
            still.add((cells[1], int(cells[2]), int(cells[3]), int(cells[4])))
        elif line.strip():
            raise ValueError(f"an unexpected line from KafkaTransactions: {line!r}")
    return Snapshot(opened, coordinated, frozenset(still))


def find_hanging(
    snapshot: Snapshot, now_ms: int, unknown_bound_s: int = UNKNOWN_BOUND_S
) -> list[HangingTransaction]:
    """The open transactions nothing will end (the module's rules), in partition order.
    One that ended while the coordinators were asked is not among them."""
    by_producer = {known.producer_id: known for known in snapshot.coordinated}
    hanging = []
    for transaction in snapshot.opened:
        key = (transaction.topic, transaction.partition, transaction.producer_id)
        if (*key, transaction.start_offset) not in snapshot.still:
            continue
        age_ms = max(0, now_ms - transaction.last_write_ms)
        known = by_producer.get(transaction.producer_id)
        if known is not None:
            if transaction.name in known.pending:
                continue
            why = f"{known.transactional_id} is {known.state} without it"
        elif age_ms > unknown_bound_s * 1000:
            why = "its producer is unknown to every coordinator"
        else:
            continue
        hanging.append(
            HangingTransaction(
                transaction.topic,
                transaction.partition,
                transaction.start_offset,
                transaction.producer_id,
                transaction.producer_epoch,
                age_ms // 1000,
                why,
            )
        )
    return sorted(hanging)


def plan_aborts(found: Iterable[HangingTransaction]) -> list[list[HangingTransaction]]:
    """The rounds of aborts: every other partition first, the consumer offsets after.

    The handler cannot read its committed offsets while the hanging part on
    `__consumer_offsets` holds them pending; the moment that part is aborted it runs again,
    and its next commit would commit whatever still hangs of the same transaction on the
    other partitions. Aborting those first keeps the transaction whole: all aborted, and
    the handler publishes its stored answers again."""
    unique = sorted({(t.topic, t.partition, t.start_offset): t for t in found}.values())
    rounds = [
        [t for t in unique if t.topic != _OFFSETS_TOPIC],
        [t for t in unique if t.topic == _OFFSETS_TOPIC],
    ]
    return [round_ for round_ in rounds if round_]


def abort_arguments(rounds: list[list[HangingTransaction]]) -> list[str]:
    """`KafkaTransactions abort`'s arguments: `topic:partition:start-offset`, rounds apart."""
    arguments = ["abort"]
    for number, round_ in enumerate(rounds):
        if number:
            arguments.append("then")
        arguments += [f"{t.topic}:{t.partition}:{t.start_offset}" for t in round_]
    return arguments


def parse_aborts(output: str) -> dict[tuple[str, int, int], tuple[str, str]]:
    """What `KafkaTransactions abort` printed: (topic, partition, start offset) →
    (`aborted`, `gone` or `failed`, and what it said)."""
    outcomes = {}
    for line in output.splitlines():
        cells = line.split("\t")
        if len(cells) >= 4 and cells[0] in ("aborted", "gone", "failed"):
            said = cells[4] if len(cells) > 4 else ""
            outcomes[cells[1], int(cells[2]), int(cells[3])] = cells[0], said
    return outcomes
