"""The company account in tests that have no stack: in-memory fakes and throwaway databases.

They get a test token, not the stack's secret (`.run/secrets/company.token`); tests that talk
to a running stack read that one through `stack.env`.
"""

from __future__ import annotations

from typing import Final

from pydantic import SecretStr

__all__ = ["COMPANY_TEST_TOKEN", "company_test_secret"]

COMPANY_TEST_TOKEN: Final = "31415926535897932384"


def company_test_secret() -> SecretStr:
    """The test token as the `SecretStr` that `storage.migrate.migrate` takes."""
    return SecretStr(COMPANY_TEST_TOKEN)
