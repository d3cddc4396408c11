import asyncio

import pytest

from backend.hub import SubscriberDroppedError, TransactionFilter, TransactionHub
from backend.outcomes import Direction, TransactionView


def view(id_: int, iban: str = "NL66OPEN0000000000", cents: int = 100) -> TransactionView:
    return TransactionView(id_, iban, 1000, cents, "cash", "test")


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (TransactionFilter(), True),
        (TransactionFilter(iban="NL66OPEN0000000000"), True),
        (TransactionFilter(iban="NL02OPEN0000000001"), False),
        (TransactionFilter(direction=Direction.DEBIT), True),
        (TransactionFilter(direction=Direction.CREDIT), False),
        (TransactionFilter(min_amount_cents=500), True),
        (TransactionFilter(min_amount_cents=501), False),
    ],
)
def test_filters_on_a_debit_of_500_cents(wanted: TransactionFilter, expected: bool) -> None:
    assert wanted.matches(view(1, cents=-500)) is expected


async def test_subscribers_get_matching_transactions_in_order() -> None:
    hub = TransactionHub(queue_size=10)
    stream = hub.stream(TransactionFilter(direction=Direction.CREDIT))
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    hub.publish(view(1, cents=-5))
    hub.publish(view(2))
    hub.publish(view(3))
    assert (await first).id == 2
    assert (await anext(stream)).id == 3
    await stream.aclose()
    assert hub.subscriber_count == 0


async def test_a_slow_subscriber_is_dropped_with_a_reason_and_others_continue() -> None:
    hub = TransactionHub(queue_size=2)
    slow = hub.stream(TransactionFilter())
    fast = hub.stream(TransactionFilter())
    slow_first = asyncio.ensure_future(anext(slow))
    fast_first = asyncio.ensure_future(anext(fast))
    await asyncio.sleep(0)
    received: list[int] = []
    for id_ in range(1, 6):
        hub.publish(view(id_))
        if id_ == 1:
            received.append((await fast_first).id)
        else:
            received.append((await anext(fast)).id)
    assert received == [1, 2, 3, 4, 5]
    assert (await slow_first).id == 1
    # Dropping made room for the end marker by discarding the oldest (2).
    rest = [(await anext(slow)).id for _ in range(1)]
    with pytest.raises(SubscriberDroppedError, match="too slow"):
        await anext(slow)
    assert rest == [3]
    assert hub.dropped_total == 1
    assert hub.subscriber_count == 1
    await fast.aclose()


async def test_close_ends_every_stream() -> None:
    hub = TransactionHub()
    stream = hub.stream(TransactionFilter())
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    hub.close()
    with pytest.raises(StopAsyncIteration):
        await waiting
