"""How much cash one client address may deposit: a budget in euro cents per hour.

A deposit (a transfer from ``cash``) needs no login, so it is bounded twice: each one by
``MAX_DEPOSIT_CENTS`` (``backend.validation.check_deposit_amount``) and the sum per
client address by this budget, a token bucket that refills continuously. The budget counts
money rather than requests: what must stay bounded is the cash created, while request
floods are nginx's ``limit_req``; a benchmark's one-cent deposits thus stay possible.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from backend.errors import ClientError
from backend.money import format_euro_cents

__all__ = ["DepositBudget", "DepositLimitError"]

_HOUR_S = 3600.0


class DepositLimitError(ClientError):
    """This address deposited its hourly budget; the message says when this one fits."""

    def __init__(self, budget_cents: int, retry_after_s: float) -> None:
        super().__init__(
            f"deposits from this address are limited to {format_euro_cents(budget_cents)}"
            f" per hour, retry in {max(1, round(retry_after_s))} s",
            "RATE_LIMITED",
            subject="deposits",
        )
        self.retry_after_s = retry_after_s


@dataclass
class _Bucket:
    cents: float
    at: float


class DepositBudget:
    """At most ``cents_per_hour`` deposited per client address in any hour, refilled
    continuously (a full bucket holds one hour's budget)."""

    def __init__(
        self,
        cents_per_hour: int = 10_000_000,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = cents_per_hour
        self._per_s = cents_per_hour / _HOUR_S
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._clock = clock

    def take(self, client: str, cents: int) -> None:
        """Spend ``cents`` of ``client``'s budget, or raise ``DepositLimitError``."""
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = _Bucket(float(self._capacity), now)
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(client)
        bucket.cents = min(self._capacity, bucket.cents + (now - bucket.at) * self._per_s)
        bucket.at = now
        if cents > bucket.cents:
            raise DepositLimitError(self._capacity, (cents - bucket.cents) / self._per_s)
        bucket.cents -= cents
