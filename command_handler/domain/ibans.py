"""IBAN validity, remembered: the same few thousand account numbers come back in every
batch, and checking one (a regular expression and a 26-digit modulo) cost ~3% of the
loop thread's time when done twice per transfer."""

from __future__ import annotations

import functools

from topology.iban import is_valid_open_iban

__all__ = ["is_open_iban"]


@functools.lru_cache(maxsize=16_384)
def is_open_iban(value: str) -> bool:
    """`topology.iban.is_valid_open_iban`, cached (pure, so caching changes no answer)."""
    return is_valid_open_iban(value)
