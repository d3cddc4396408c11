"""The event log over a fake reader: the recent past, then live records, none twice."""

import asyncio
import uuid
from contextlib import aclosing

import pytest

from backend.event_hub import EventBatch, EventHub
from backend.event_log import EventLog
from backend.events import LoggedEvent, RawRecord
from topology.records import BalanceChanged, ConfirmMoneyTransfer, MoneyTransferConfirmed

pytestmark = pytest.mark.timeout(10)
BOB = "NL44OPEN0000009999"


class FakeReader:
    """A ring of raw records and what each decodes to (the serde is tested elsewhere)."""

    def __init__(self) -> None:
        self.raws: list[RawRecord] = []
        self.events: dict[tuple[str, int, int], LoggedEvent] = {}

    def add(self, event: LoggedEvent, key: str) -> LoggedEvent:
        self.raws.append(
            RawRecord(event.topic, event.partition, event.offset, 0, key.encode(), b"")
        )
        self.events[(event.topic, event.partition, event.offset)] = event
        return event

    def snapshot(self) -> list[RawRecord]:
        return list(self.raws)

    def decode(self, raw: RawRecord) -> LoggedEvent | None:
        return self.events.get((raw.topic, raw.partition, raw.offset))


async def test_a_stream_opens_on_the_recent_past_then_goes_live_without_repeats() -> None:
    reader, hub = FakeReader(), EventHub(flush_every_s=0.01)
    command_id = uuid.uuid4()
    command = reader.add(
        LoggedEvent(
            "commands", 0, 0, 0, 2, ConfirmMoneyTransfer(command_id, "t", 5, "cash", BOB, "d")
        ),
        str(command_id),
    )
    log = EventLog(reader, hub)
    got: list[EventBatch] = []

    async def watch() -> None:
        async with aclosing(log.stream(BOB)) as stream:
            async for batch in stream:
                got.append(batch)
                if len(got) == 2:
                    return

    task = asyncio.create_task(watch())
    await asyncio.sleep(0.05)
    answer = LoggedEvent("money_transfer_feedback", 0, 0, 0, 5, MoneyTransferConfirmed(command_id))
    change = LoggedEvent("balance_changed", 3, 0, 0, 7, BalanceChanged(BOB, 5, 5, "cash", "d"))
    other = LoggedEvent("balance_changed", 3, 1, 0, 7, BalanceChanged("NL1", 5, 5, "cash", "d"))
    hub.publish([command, answer, change, other])  # the command again: already sent
    await task
    assert [e.record_type for e in got[0].events] == ["ConfirmMoneyTransfer"]
    assert got[0].window_ms == 0
    # The answer matches by the command id the recent past taught the filter.
    assert [e.record_type for e in got[1].events] == ["MoneyTransferConfirmed", "BalanceChanged"]
    assert hub.subscriber_count == 0


async def test_a_chain_is_looked_up_in_the_ring() -> None:
    reader = FakeReader()
    command_id = uuid.uuid4()
    reader.add(
        LoggedEvent(
            "commands", 0, 0, 0, 2, ConfirmMoneyTransfer(command_id, "t", 5, "cash", BOB, "d")
        ),
        str(command_id),
    )
    chain = await EventLog(reader, EventHub()).chain(str(command_id))
    assert chain.command is not None
    assert chain.answer is None
