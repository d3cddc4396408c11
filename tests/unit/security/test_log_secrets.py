"""`secrets_in`: finds a planted secret wherever it sits, names it without its value."""

from __future__ import annotations

from tests.support.log_secrets import secrets_in

SECRETS = {
    "secrets/backend.password": "Zq3-x_9aLk2PqW7e",
    "token of NL12OPEN0123456789": "12345678901234567890",
    "token of NL34OPEN0987654321": "09876543210987654321",
    "too short to tell": "abc",
}


def test_a_clean_log_holds_none() -> None:
    log = "2026-12-06 04:50:01 INFO transfer 1234567890 cents from NL12OPEN0123456789\n"
    assert secrets_in(log, SECRETS) == []


def test_a_password_and_tokens_are_found_by_name() -> None:
    log = (
        "connecting to postgresql://backend:Zq3-x_9aLk2PqW7e@127.0.0.1/backend\n"
        'answer {"token": "12345678901234567890"}\n'
        "id=4409876543210987654321  # a token inside a longer number is still there\n"
    )
    assert secrets_in(log, SECRETS) == [
        "secrets/backend.password",
        "token of NL12OPEN0123456789",
        "token of NL34OPEN0987654321",
    ]


def test_short_values_are_not_looked_for() -> None:
    assert secrets_in("abc abc", SECRETS) == []
