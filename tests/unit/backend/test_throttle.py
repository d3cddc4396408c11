import pytest

from backend.throttle import LoginThrottle, TooManyAttemptsError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_per_username_limit_slides_with_time() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_username=2, per_client=100, window_s=60, clock=clock)
    throttle.check("alice", "10.0.0.1")
    clock.now += 30
    throttle.check("alice", "10.0.0.2")
    with pytest.raises(TooManyAttemptsError, match="this username, retry in 30 s") as refused:
        throttle.check("alice", "10.0.0.3")
    assert refused.value.extensions == {"code": "RATE_LIMITED", "subject": "username"}
    throttle.check("bob", "10.0.0.3")  # other usernames are not affected
    clock.now += 30.5
    throttle.check("alice", "10.0.0.3")  # the first attempt left the window


def test_per_client_limit_covers_many_usernames() -> None:
    throttle = LoginThrottle(per_username=100, per_client=3, window_s=60, clock=Clock())
    for name in ("a", "b", "c"):
        throttle.check(name, "10.0.0.1")
    with pytest.raises(TooManyAttemptsError, match="this client"):
        throttle.check("d", "10.0.0.1")
    throttle.check("d", "10.0.0.2")


def test_keys_are_bounded() -> None:
    throttle = LoginThrottle(per_username=1, per_client=10**6, max_keys=2, clock=Clock())
    throttle.check("a", "c")
    throttle.check("b", "c")
    throttle.check("x", "c")  # evicts "a", the least recently seen
    throttle.check("a", "c")
