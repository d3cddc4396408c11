"""Document limits and error masking of the schema."""

from typing import Any

import pytest

# Private, but the only way to observe the cache; pinned by the lock on strawberry.
from strawberry.extensions.validation_cache import _get_validate_cache

from tests.support.backend_memory import InMemoryBank


async def test_too_many_aliases_are_refused(bank: InMemoryBank) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
    result = await bank.schema.execute(query, context_value=bank.context)
    assert result.errors is not None
    assert "16 aliases found. Allowed: 15" in result.errors[0].message


async def test_documents_beyond_the_token_limit_are_not_parsed(bank: InMemoryBank) -> None:
    query = "{ " + " ".join("__typename" for _ in range(2_001)) + " }"
    result = await bank.schema.execute(query, context_value=bank.context)
    assert result.errors is not None
    assert "more than 2000 tokens" in result.errors[0].message


async def test_unexpected_failures_are_masked(
    bank: InMemoryBank, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(_: str) -> None:
        raise ConnectionError("database password is hunter2")

    monkeypatch.setattr(bank.accounts, "find", broken)
    result = await bank.schema.execute(
        'mutation { login(username: "a", password: "b") { __typename } }',
        context_value=bank.context,
    )
    assert result.errors is not None
    assert result.errors[0].message == "Unexpected error."
    assert "hunter2" in caplog.text  # the server log keeps the cause


async def test_a_repeated_document_is_validated_once(bank: InMemoryBank) -> None:
    # The limits' validation rules are part of ValidationCache's key: they must be the
    # same classes for every operation, or the cache never hits (~30x slower).
    cache: Any = _get_validate_cache(1024)  # an lru_cache wrapper, typed as a plain callable
    query = "{ all_last_transactions { id } }"
    await bank.schema.execute(query, context_value=bank.context)
    before = cache.cache_info()
    await bank.schema.execute(query, context_value=bank.context)
    after = cache.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (1, 0)


async def test_an_amount_that_is_no_number_is_named_not_masked(
    bank: InMemoryBank, caplog: pytest.LogCaptureFixture
) -> None:
    # Written in the document rather than as a variable: the scalar refuses it while the
    # document is validated, before any resolver runs.
    result = await bank.schema.execute(
        'mutation { deposit(uuid: "6a9c1b52-3a6a-4d43-9f5b-0f3c0f5a6a11",'
        ' iban: "NL66OPEN0000000000", amount: "€20.000,00") { __typename } }',
        context_value=bank.context,
    )
    assert result.errors is not None
    [error] = result.errors
    assert "Long cannot represent '€20.000,00'" in error.message
    assert "resolver failed" not in caplog.text
