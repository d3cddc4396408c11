"""The failure reasons a command can get, word for word as the original sends them.

People read these texts (the UI shows them) and the original's frontend and tests compare
them literally, so they are kept byte for byte. `AMOUNT_NOT_POSITIVE` and
`BALANCE_TOO_LARGE` are ours: the original accepted zero and negative amounts, and never
guarded the 64-bit balance against overflow.
"""

from typing import Final

__all__ = [
    "AMOUNT_NOT_POSITIVE",
    "BALANCE_TOO_LARGE",
    "BOTH_UNKNOWN",
    "FROM_INVALID",
    "IBAN_EXISTS",
    "INSUFFICIENT_FUNDS",
    "INVALID_TOKEN",
    "SAME_FROM_AND_TO",
]

IBAN_EXISTS: Final = "generated iban already exists, try again"
AMOUNT_NOT_POSITIVE: Final = "amount should be positive"
FROM_INVALID: Final = "from is invalid"
SAME_FROM_AND_TO: Final = "from and to can't be same for transfer"
INVALID_TOKEN: Final = "invalid token"  # noqa: S105 - a reason text, not a secret
INSUFFICIENT_FUNDS: Final = "insufficient funds"
BALANCE_TOO_LARGE: Final = "balance would exceed the largest amount a balance can hold"
BOTH_UNKNOWN: Final = "both to and from not known at this bank"
