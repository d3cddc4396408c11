"""Unit tests of `synchronizer.retry`: bounded attempts, capped back-off, one-line error."""

from __future__ import annotations

import pytest

from synchronizer.errors import ExitCode, UnreachableError
from synchronizer.retry import retry_bounded


def test_returns_as_soon_as_a_call_succeeds() -> None:
    answers: list[int | Exception] = [ConnectionError("refused"), 42]
    waits: list[float] = []

    def call() -> int:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    result = retry_bounded(
        call,
        what="x",
        attempts=3,
        first_backoff_s=0.5,
        retry_on=(ConnectionError,),
        sleep=waits.append,
    )
    assert result == 42
    assert waits == [0.5]


def test_gives_up_after_the_last_attempt_with_one_line() -> None:
    waits: list[float] = []

    def call() -> int:
        raise ConnectionError("connection\nrefused")

    with pytest.raises(UnreachableError) as caught:
        retry_bounded(
            call,
            what="Kafka at 127.0.0.1:9092",
            attempts=6,
            first_backoff_s=0.5,
            retry_on=(ConnectionError,),
            sleep=waits.append,
        )
    assert str(caught.value) == (
        "Kafka at 127.0.0.1:9092 unreachable after 6 attempts: connection refused"
    )
    assert caught.value.exit_code == ExitCode.UNREACHABLE
    assert waits == [0.5, 1.0, 2.0, 4.0, 5.0]


def test_other_errors_are_not_retried() -> None:
    def call() -> int:
        raise ValueError("bug")

    with pytest.raises(ValueError, match="bug"):
        retry_bounded(
            call,
            what="x",
            attempts=3,
            first_backoff_s=0.1,
            retry_on=(ConnectionError,),
            sleep=lambda _: None,
        )


def test_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        retry_bounded(lambda: 1, what="x", attempts=0, first_backoff_s=0, retry_on=())
