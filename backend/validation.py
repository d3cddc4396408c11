"""Argument validation at the API edge: every refusal names the argument.

Expected business failures (insufficient funds, invalid token) are *values*
decided by the command handler; malformed input never reaches Kafka and is
answered with a GraphQL error whose ``extensions`` carry the argument name.
"""

import re
import unicodedata
from uuid import UUID

from backend.errors import ClientError
from backend.money import format_euro_cents

__all__ = [
    "CASH",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_PASSWORD_LENGTH",
    "MAX_TOKEN_LENGTH",
    "MAX_USERNAME_LENGTH",
    "InvalidArgumentError",
    "check_amount",
    "check_counterparty",
    "check_deposit_amount",
    "check_from",
    "check_iban",
    "check_limit",
    "check_text",
    "normalise_uuid",
]

#: The pseudo account used for deposits and withdrawals (``from``/``to``/token).
CASH = "cash"
MAX_USERNAME_LENGTH = 64
MAX_PASSWORD_LENGTH = 256
MAX_TOKEN_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 200
_MAX_COUNTERPARTY_LENGTH = 64
_MAX_UUID_TEXT_LENGTH = 45  # "urn:uuid:" + 36 characters
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


class InvalidArgumentError(ClientError, ValueError):
    """A GraphQL argument that is refused before anything is sent.

    ``extensions`` is picked up by graphql-core, so clients see
    ``{"code": "INVALID_ARGUMENT", "argument": <name>}`` next to the message.
    """

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(
            f"invalid argument {argument}: {problem}", "INVALID_ARGUMENT", argument=argument
        )
        self.argument = argument


def normalise_uuid(argument: str, value: str) -> UUID:
    """Parse any textual UUID form (upper case, braces, urn) into a UUID."""
    if len(value) > _MAX_UUID_TEXT_LENGTH:
        raise InvalidArgumentError(argument, "not a uuid (too long)")
    try:
        return UUID(value.strip())
    except ValueError:
        raise InvalidArgumentError(argument, "not a uuid") from None


def check_amount(argument: str, cents: int, maximum_cents: int) -> int:
    """Return ``cents`` if 0 < cents <= maximum_cents (both in euro cents)."""
    if cents <= 0:
        raise InvalidArgumentError(argument, "must be more than 0 cents")
    if cents > maximum_cents:
        raise InvalidArgumentError(argument, f"must be at most {maximum_cents} cents")
    return cents


def check_deposit_amount(argument: str, cents: int, maximum_cents: int) -> int:
    """Return ``cents`` if a deposit (from ``cash``) of it is at most ``maximum_cents``."""
    if cents > maximum_cents:
        raise InvalidArgumentError(
            argument,
            f"a deposit can be at most {format_euro_cents(maximum_cents)} ({maximum_cents} cents)",
        )
    return cents


def check_text(argument: str, value: str, *, min_length: int, max_length: int) -> str:
    """Return ``value`` if its length fits and it holds no control characters."""
    if len(value) < min_length:
        raise InvalidArgumentError(argument, f"must be at least {min_length} characters")
    if len(value) > max_length:
        raise InvalidArgumentError(argument, f"must be at most {max_length} characters")
    if any(unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} for char in value):
        raise InvalidArgumentError(argument, "must not contain control characters")
    return value


def check_iban(argument: str, value: str) -> str:
    """Return ``value`` if it is an ISO 13616 IBAN (format and mod-97 check)."""
    if len(value) > 34 or not _IBAN.fullmatch(value):
        raise InvalidArgumentError(argument, "not an iban")
    rearranged = value[4:] + value[:4]
    as_digits = "".join(str(int(char, 36)) for char in rearranged)
    if int(as_digits) % 97 != 1:
        raise InvalidArgumentError(argument, "not an iban (check digits)")
    return value


def check_from(argument: str, value: str) -> str:
    """The debited side: ``cash`` or an IBAN."""
    return value if value == CASH else check_iban(argument, value)


def check_counterparty(argument: str, value: str) -> str:
    """The credited side: an IBAN, ``cash`` or a name outside the bank (a shop)."""
    return check_text(argument, value, min_length=1, max_length=_MAX_COUNTERPARTY_LENGTH)


def check_limit(argument: str, value: int, maximum: int) -> int:
    """Return a page size if 1 <= value <= maximum."""
    if not 1 <= value <= maximum:
        raise InvalidArgumentError(argument, f"must be between 1 and {maximum}")
    return value
