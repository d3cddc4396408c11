"""``Long``: a GraphQL scalar for signed 64-bit euro cents.

GraphQL's ``Int`` is 32-bit (at most €21.474.836,47); the company account alone
holds 10^17 cents. Values are serialised as JSON integers; inputs may be JSON
integers or decimal strings (for clients whose numbers are doubles).
"""

from typing import NewType

import strawberry

__all__ = ["LONG_SCALAR", "Long", "parse_long"]

_MIN = -(2**63)
_MAX = 2**63 - 1


def parse_long(value: object) -> int:
    """Accept an int (not bool) or a decimal string within the signed 64-bit range."""
    if isinstance(value, bool):
        raise ValueError("Long cannot represent a boolean")
    if isinstance(value, str):
        if len(value) > 20 or not value.lstrip("-").isdigit() or not value.isascii():
            raise ValueError(f"Long cannot represent {value[:30]!r}")
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        raise ValueError(f"Long cannot represent a {type(value).__name__}")
    if not _MIN <= number <= _MAX:
        raise ValueError("Long is outside the signed 64-bit range")
    return number


def _serialize_long(value: int) -> int:
    return int(value)


#: The Python type of ``Long`` fields; mapped to ``LONG_SCALAR`` in the schema config.
Long = NewType("Long", int)

LONG_SCALAR = strawberry.scalar(
    name="Long",
    description="Signed 64-bit integer (euro cents); JSON integer, or a decimal string as input.",
    serialize=_serialize_long,
    parse_value=parse_long,
)
