"""Fixtures wiring the API to the in-memory adapters of the ports."""

import pytest
from argon2 import PasswordHasher

from backend.api.context import ApiLimits
from tests.support.backend_memory import InMemoryBank, in_memory_bank


@pytest.fixture
def bank() -> InMemoryBank:
    # Cheapest argon2 parameters: these tests check behaviour, not hash strength.
    return in_memory_bank(
        hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
        timeout_ms=200,
        queue_size=10,
        limits=ApiLimits(max_amount_cents=1_000_000, max_page_size=100),
    )
