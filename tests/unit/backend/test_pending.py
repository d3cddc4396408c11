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


async def test_an_answer_wakes_its_waiter_in_one_step_of_the_loop() -> None:
    # Under load each step waits behind the whole ready queue: fewer steps, less latency.
    pending: PendingResults[str, int] = PendingResults(timeout_ms=1000, max_pending=1)
    waiter = asyncio.create_task(pending.wait_for("a", lambda: None))
    await asyncio.sleep(0)
    pending.resolve("a", 5)
    await asyncio.sleep(0)
    assert waiter.done()
    assert waiter.result() == 5


async def test_a_cancelled_waiter_leaves_the_other_waiters_of_its_id() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=1000, max_pending=1)
    gone = asyncio.create_task(pending.wait_for("a", lambda: None))
    staying = asyncio.create_task(pending.wait_for("a", lambda: None))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    pending.resolve("a", 9)
    assert await staying == 9
    assert gone.cancelled()


async def test_each_waiter_has_its_own_time_out() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=60, max_pending=1)
    early = asyncio.create_task(pending.wait_for("a", lambda: None))
    await asyncio.sleep(0.03)
    late = asyncio.create_task(pending.wait_for("a", lambda: None))
    with pytest.raises(ResultTimeoutError):
        await early
    assert pending.is_pending("a")  # the late waiter still waits
    pending.resolve("a", 3)
    assert await late == 3
    assert len(pending) == 0


async def test_a_waiter_may_be_answered_from_elsewhere() -> None:
    pending: PendingResults[str, int] = PendingResults(timeout_ms=30, max_pending=1)
    answer = pending.register("a", lambda: None)
    answer.set_result(4)  # e.g. the results table knew it
    assert await answer == 4
    await asyncio.sleep(0.05)
    assert len(pending) == 0  # the entry left at its time-out
