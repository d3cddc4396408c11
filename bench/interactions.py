"""What the benchmark does at each step, as pure functions of the interaction number.

Even interactions click a deposit button, odd ones submit a transfer to the company
account, cycling through five amounts each (the original's amounts: the deposits and the
transfers of one cycle add up to the same €380, so the balance stays put). Each amount
differs from the one before, so a stale list item can never pass for the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "COMPANY_IBAN",
    "DEPOSIT_CENTS",
    "TRANSFER_CENTS",
    "Interaction",
    "format_euros",
    "heartbeat_setting_for",
    "interaction_for",
    "load_for",
]

COMPANY_IBAN = "NL66OPEN0000000000"
DEPOSIT_CENTS = (1000, 2000, 5000, 10000, 20000)
TRANSFER_CENTS = (1111, 2323, 3489, 9999, 21078)
_TRANSFER_DESCRIPTIONS = ("foo", "bar", "baz", "present", "fine")


def format_euros(cents: int, *, symbol: bool = True) -> str:
    """Dutch-formatted euros as the UI shows them: 123456 → ``€1.234,56``."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", ".")
    return f"{sign}{'€' if symbol else ''}{grouped},{rest:02d}"


@dataclass(frozen=True, slots=True)
class Interaction:
    """One click: a deposit button (``deposit-<cents>``) or a transfer form submission."""

    n: int
    kind: Literal["deposit", "transfer"]
    amount_cents: int
    description: str

    @property
    def expected_text(self) -> str:
        """The text of ``transaction-amount`` once the change shows: ``€11,11``."""
        return format_euros(self.amount_cents)

    @property
    def typed_amount(self) -> str:
        """What a person types in the transfer form's amount field: ``11,11``."""
        return format_euros(self.amount_cents, symbol=False)


def interaction_for(n: int) -> Interaction:
    """The ``n``-th interaction (from 0): deposit and transfer alternate."""
    index = (n // 2) % len(DEPOSIT_CENTS)
    if n % 2 == 0:
        return Interaction(n, "deposit", DEPOSIT_CENTS[index], "deposit")
    return Interaction(n, "transfer", TRANSFER_CENTS[index], _TRANSFER_DESCRIPTIONS[index])


def load_for(n: int, step_every: int, step_load: int) -> int:
    """Background load (msg/s) during interaction ``n``: +``step_load`` every ``step_every``."""
    return (n // step_every) * step_load


def heartbeat_setting_for(load: int) -> tuple[int, int]:
    """(batch_size, sleep_ms) giving ``load`` messages/s.

    Batches every 100 ms keep the load smooth (a 1 s batch of 2,000 beats would arrive as
    a burst); loads that are not a multiple of 10 fall back to one batch per second.
    """
    if load < 0:
        raise ValueError(f"load must not be negative, got {load}")
    if load % 10 == 0:
        return load // 10, 100
    return load, 1000
