"""Searches over the raw ring: the recent past of a filter, and one command's chain."""

import uuid

from backend.event_search import command_chain, last_positions, recent_events
from backend.events import EventFilter, LoggedEvent, RawRecord
from topology.records import BalanceChanged, ConfirmMoneyTransfer, MoneyTransferConfirmed, Record

ALICE = "NL66OPEN0000000000"
BOB = "NL44OPEN0000009999"
CAROL = "NL71OPEN0000009998"


class Ring:
    """Raw records with the records they decode to (the serde is tested elsewhere)."""

    def __init__(self) -> None:
        self.raws: list[RawRecord] = []
        self._records: dict[tuple[str, int, int], LoggedEvent] = {}
        self.decoded = 0

    def add(self, topic: str, key: str, record: Record, ts: int, partition: int = 0) -> None:
        offset = sum(1 for r in self.raws if (r.topic, r.partition) == (topic, partition))
        raw = RawRecord(topic, partition, offset, ts, key.encode(), b"")
        self.raws.append(raw)
        self._records[(topic, partition, offset)] = LoggedEvent(
            topic, partition, offset, ts, 3, record
        )

    def decode(self, raw: RawRecord) -> LoggedEvent | None:
        self.decoded += 1
        return self._records.get((raw.topic, raw.partition, raw.offset))


def transfer_of(ring: Ring, command_id: uuid.UUID, ts: int, frm: str, to: str) -> None:
    ring.add(
        "commands", str(command_id), ConfirmMoneyTransfer(command_id, "t", 500, frm, to, "rent"), ts
    )
    ring.add(
        "money_transfer_feedback", str(command_id), MoneyTransferConfirmed(command_id), ts + 10
    )
    ring.add("balance_changed", frm, BalanceChanged(frm, 0, -500, to, "rent"), ts + 10, 1)
    ring.add("balance_changed", to, BalanceChanged(to, 500, 500, frm, "rent"), ts + 10, 2)


def test_a_chain_is_the_command_its_answer_and_its_balance_changes() -> None:
    ring = Ring()
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    transfer_of(ring, first, 1_000, ALICE, BOB)
    transfer_of(ring, second, 60_000, ALICE, BOB)  # same content, a minute later
    transfer_of(ring, third, 1_005, ALICE, CAROL)  # at the same time, other account
    chain = command_chain(ring.raws, ring.decode, str(first).upper(), window_ms=5_000)
    assert chain.command is not None
    assert chain.command.command_id == str(first)
    assert chain.answer is not None
    assert chain.answer.topic == "money_transfer_feedback"
    assert [(e.partition, e.offset) for e in chain.balance_changes] == [(1, 0), (2, 0)]
    assert chain.matched_by == "content"


def test_a_command_not_in_the_ring_has_an_empty_chain() -> None:
    ring = Ring()
    transfer_of(ring, uuid.uuid4(), 1_000, ALICE, BOB)
    chain = command_chain(ring.raws, ring.decode, str(uuid.uuid4()), window_ms=5_000)
    assert (chain.command, chain.answer, chain.balance_changes) == (None, None, ())


def test_the_recent_past_of_an_account_decodes_only_what_may_match() -> None:
    ring = Ring()
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    transfer_of(ring, mine, 1_000, ALICE, BOB)
    transfer_of(ring, theirs, 2_000, ALICE, CAROL)
    found = recent_events(ring.raws, ring.decode, EventFilter(BOB), limit=10)
    assert [e.record_type for e in found] == [
        "ConfirmMoneyTransfer",
        "MoneyTransferConfirmed",
        "BalanceChanged",
    ]
    # Two commands, one answer of a command seen, one change keyed by BOB.
    assert ring.decoded == 4
    assert [e.offset for e in recent_events(ring.raws, ring.decode, EventFilter(None), 3)] == [
        1,
        1,
        1,
    ]
    assert last_positions(ring.raws)[("balance_changed", 1)] == 1
