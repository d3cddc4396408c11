"""A dropped or refused database connection is retried; anything else is not."""

from collections.abc import Awaitable, Callable, Sequence

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from backend.api.context import ApiLimits
from backend.errors import UnavailableError
from backend.health import health_report
from backend.outcomes import TransactionView
from backend.storage.retry import is_connection_failure, retrying
from tests.support.backend_memory import in_memory_bank


def refused() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("connection refused"))


def dropped() -> DBAPIError:
    return DBAPIError(
        "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
    )


def failing(errors: list[Exception], answer: str = "rows") -> Callable[[], Awaitable[str]]:
    """An operation that raises each of ``errors`` in turn, then answers."""
    calls = iter(errors)

    async def operation() -> str:
        error = next(calls, None)
        if error is not None:
            raise error
        return answer

    return operation


def test_what_counts_as_a_connection_failure() -> None:
    assert is_connection_failure(refused())
    assert is_connection_failure(dropped())
    assert not is_connection_failure(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_connection_failure(ValueError("not a database error"))


async def test_a_dropped_pooled_connection_costs_one_retry_not_an_error() -> None:
    assert await retrying(failing([dropped()])) == "rows"


async def test_a_server_that_comes_back_within_the_wait_answers() -> None:
    assert await retrying(failing([refused()] * 4), wait_s=5.0) == "rows"


async def test_a_server_away_for_the_whole_wait_gives_a_typed_error_with_a_retry_hint() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # each look at the clock: one second later
        return now[0]

    with pytest.raises(UnavailableError) as raised:
        await retrying(failing([refused()] * 100), wait_s=3.0, clock=clock)
    assert raised.value.extensions == {
        "code": "UNAVAILABLE",
        "dependency": "database",
        "retry_after_ms": "2000",
    }
    assert "try again in 2 s" in str(raised.value)


async def test_a_query_error_is_not_retried() -> None:
    duplicate = IntegrityError("INSERT", {}, Exception("duplicate key"))
    with pytest.raises(IntegrityError):
        await retrying(failing([duplicate]))


def test_health_is_ok_or_degraded_naming_what_is_down() -> None:
    assert health_report({"kafka": "ok", "database": "ok"}) == (
        200,
        {"status": "ok", "checks": {"kafka": "ok", "database": "ok"}},
    )
    checks = {"kafka": "ok", "registry": "ok", "database": "fail: OperationalError: refused"}
    assert health_report(checks) == (
        503,
        {"status": "degraded", "down": ["database"], "checks": checks},
    )


async def test_the_client_sees_the_typed_error_not_unexpected_error() -> None:
    bank = in_memory_bank(limits=ApiLimits())

    async def unreachable(
        iban: str, limit: int, before_id: int | None = None
    ) -> Sequence[TransactionView]:
        raise UnavailableError("database", 2000)

    bank.store.by_iban = unreachable  # type: ignore[method-assign]
    result = await bank.schema.execute(
        '{ transactions_by_iban(iban: "NL66OPEN0000000000", max_items: 5) { id } }',
        context_value=bank.context,
    )
    assert result.errors is not None
    assert result.errors[0].message == "the database is not reachable right now; try again in 2 s"
    assert result.errors[0].extensions == {
        "code": "UNAVAILABLE",
        "dependency": "database",
        "retry_after_ms": "2000",
    }
