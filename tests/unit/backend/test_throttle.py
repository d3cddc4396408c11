"""Login throttling: per client address and for the server, never per username."""

import pytest

from backend.throttle import LoginThrottle, TooManyAttemptsError, backoff_s


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refusal(throttle: LoginThrottle, client: str) -> TooManyAttemptsError:
    with pytest.raises(TooManyAttemptsError) as refused:
        throttle.check(client)
    return refused.value


def test_backoff_is_free_then_doubles_up_to_its_cap() -> None:
    waits = [backoff_s(n, free=3, base_s=1, max_s=60) for n in range(12)]
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff_s(10**6, free=0, base_s=1, max_s=60) == 60  # no overflow


def test_wrong_passwords_back_off_their_address_only() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_failures=2, per_second=1000, clock=clock)
    for _ in range(3):
        throttle.check("10.0.0.1")
        throttle.failed("10.0.0.1")
    refused = refusal(throttle, "10.0.0.1")
    assert refused.extensions == {"code": "RATE_LIMITED", "subject": "client"}
    assert "from this address, retry in 1 s" in str(refused)
    throttle.check("10.0.0.2")  # another address, whatever username it tries
    clock.now += 1.0
    throttle.check("10.0.0.1")
    throttle.failed("10.0.0.1")
    clock.now += 1.5
    assert refusal(throttle, "10.0.0.1").retry_after_s == pytest.approx(0.5)  # now 2 s
    clock.now += 0.5
    throttle.check("10.0.0.1")


def test_failures_are_forgotten_after_a_while() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_failures=1, failure_memory_s=600, clock=clock)
    for _ in range(2):
        throttle.check("c")
        throttle.failed("c")
    refusal(throttle, "c")
    clock.now += 601
    throttle.check("c")
    throttle.failed("c")
    throttle.check("c")  # one remembered failure is free again


def test_every_attempt_counts_per_address_within_the_window() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_client=3, window_s=60, per_second=1000, clock=clock)
    for _ in range(3):
        throttle.check("10.0.0.1")
    assert refusal(throttle, "10.0.0.1").extensions["subject"] == "client"
    throttle.check("10.0.0.2")
    clock.now += 60
    throttle.check("10.0.0.1")  # the first attempts left the window


def test_the_server_bounds_attempts_per_second_over_all_addresses() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_second=3, clock=clock)
    for client in ("a", "b", "c"):
        throttle.check(client)
    refused = refusal(throttle, "d")
    assert refused.extensions == {"code": "RATE_LIMITED", "subject": "server"}
    assert "on the server right now" in str(refused)
    clock.now += 1.0
    throttle.check("d")


def test_refused_attempts_are_not_counted() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_client=2, per_second=2, clock=clock)
    throttle.check("a")
    throttle.check("a")
    for _ in range(5):
        refusal(throttle, "a")
    clock.now += 1.0
    throttle.check("b")  # the server's second is not filled by a's refusals
    throttle.check("b")


def test_addresses_are_bounded() -> None:
    clock = Clock()
    throttle = LoginThrottle(free_failures=0, max_keys=2, clock=clock)
    throttle.check("a")
    throttle.failed("a")
    refusal(throttle, "a")
    throttle.check("b")
    throttle.check("c")  # evicts "a", the least recently seen
    throttle.check("a")
