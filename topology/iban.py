"""OPEN account numbers (ISO 13616 IBANs, mod-97) and access tokens, as in SPEC §3.

An OPEN iban is `NL` + 2 check digits + `OPEN` + 10 digits. The check digits follow the
ISO 7064 mod-97-10 rule on the rearranged number `OPEN<digits>NL00`, letters as numbers
(A=10 … Z=35): `O P E N` → `24 25 14 23`, `N L 0 0` → `23 21 00`.

Randomness is always passed in (a `random.Random`; pass `secrets.SystemRandom()` for tokens
people rely on) so the rules stay pure and tests are reproducible.
"""

from __future__ import annotations

import random
import re
from typing import Final

__all__ = [
    "COMPANY_IBAN",
    "check_digits",
    "iban_from_digits",
    "is_valid_open_iban",
    "new_account_digits",
    "new_token",
]

_BANK_CODE_AS_NUMBER: Final = "24251423"  # "OPEN"
_COUNTRY_AS_NUMBER: Final = "232100"  # "NL" followed by check digits 00
_ACCOUNT_DIGITS: Final = re.compile(r"[0-9]{10}")
_OPEN_IBAN: Final = re.compile(r"NL([0-9]{2})OPEN([0-9]{10})")
_TOKEN_LENGTH: Final = 20

COMPANY_IBAN: Final = "NL66OPEN0000000000"
"""The bank's own account; it starts with 10^17 cents and pays salaries. Its token is a
secret of the stack (`topology.settings.CompanyAccountSettings`), never in code."""


def check_digits(digits: str) -> int:
    """The two IBAN check digits (2..98) for the 10 account digits `digits`."""
    if _ACCOUNT_DIGITS.fullmatch(digits) is None:
        raise ValueError(f"an OPEN account number has 10 digits, got {digits!r}")
    return 98 - int(_BANK_CODE_AS_NUMBER + digits + _COUNTRY_AS_NUMBER) % 97


def iban_from_digits(digits: str) -> str:
    """The OPEN iban for 10 account digits, e.g. `0000000000` → `NL66OPEN0000000000`."""
    return f"NL{check_digits(digits):02d}OPEN{digits}"


def is_valid_open_iban(value: str) -> bool:
    """True when `value` is an OPEN iban with correct check digits (no spaces, upper case)."""
    match = _OPEN_IBAN.fullmatch(value)
    if match is None:
        return False
    given, digits = match.groups()
    return int(given) == check_digits(digits)


def new_account_digits(rng: random.Random) -> str:
    """Ten account digits for a new account: `0` followed by 9 random digits (the original's)."""
    # One draw, not one per digit: the handler's rng is a SystemRandom, whose every call is
    # a system call (~3% of the handler's loop thread). Same uniform distribution.
    return f"0{rng.randrange(10**9):09d}"


def new_token(rng: random.Random) -> str:
    """A new account token: 20 random decimal digits."""
    return f"{rng.randrange(10**_TOKEN_LENGTH):0{_TOKEN_LENGTH}d}"  # one draw (see above)
