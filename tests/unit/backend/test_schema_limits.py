"""Document limits and error masking of the schema."""

import pytest

from backend.memory import InMemoryBank


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
