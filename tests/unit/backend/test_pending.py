import asyncio

import pytest

from backend.pending import PendingResults, ResultTimeoutError, TooManyPendingError


async def test_answer_reaches_the_waiter_and_is_remembered() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=500, max_pending=10)
    loop = asyncio.get_running_loop()
    sent: list[str] = []

    def send() -> None:
        sent.append("a")
        loop.call_soon(pending.resolve, "a", 42)

    assert await pending.wait_for("a", send) == 42
    assert await pending.wait_for("a", send) == 42
    assert sent == ["a"]
    assert len(pending) == 0


async def test_second_waiter_of_the_same_id_joins_without_sending_again() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=500, max_pending=10)
    sent: list[str] = []
    first = asyncio.create_task(pending.wait_for("a", lambda: sent.append("first")))
    await asyncio.sleep(0)
    second = asyncio.create_task(pending.wait_for("a", lambda: sent.append("second")))
    await asyncio.sleep(0)
    pending.resolve("a", 7)
    assert list(await asyncio.gather(first, second)) == [7, 7]
    assert sent == ["first"]


async def test_no_answer_times_out_with_a_clear_error_and_frees_the_slot() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=20, max_pending=1)
    with pytest.raises(ResultTimeoutError, match="within 20 ms"):
        await pending.wait_for("a", lambda: None)
    assert len(pending) == 0


async def test_the_number_of_pending_requests_is_bounded() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=1000, max_pending=1)
    waiting = asyncio.create_task(pending.wait_for("a", lambda: None))
    await asyncio.sleep(0)
    with pytest.raises(TooManyPendingError):
        await pending.wait_for("b", lambda: None)
    pending.resolve("a", 1)
    assert await waiting == 1


async def test_a_failed_send_frees_the_slot() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=1000, max_pending=1)

    def broken() -> None:
        raise BufferError("queue full")

    with pytest.raises(BufferError):
        await pending.wait_for("a", broken)
    assert len(pending) == 0


async def test_fail_reaches_the_waiter() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=1000, max_pending=1)
    loop = asyncio.get_running_loop()

    def send() -> None:
        loop.call_soon(pending.fail, "a", ConnectionError("no broker"))

    with pytest.raises(ConnectionError):
        await pending.wait_for("a", send)


def test_recent_answers_are_bounded() -> None:
    pending: PendingResults[int, int] = PendingResults(timeout_ms=1, max_pending=1, recent_size=3)
    for key in range(5):
        pending.resolve(key, key)
    assert [pending.recent(key) for key in range(5)] == [None, None, 2, 3, 4]


async def test_a_cancelled_waiter_does_not_leak_its_entry() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=20, max_pending=1)
    waiter = asyncio.create_task(pending.wait_for("a", lambda: None))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert len(pending) == 1
    await asyncio.sleep(0.05)
    assert len(pending) == 0
