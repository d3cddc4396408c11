"""When to send the next batch, so the rate holds whatever one batch costs to produce.

Deadlines advance by ``sleep_ms`` from the previous deadline, not from when sending ended;
a sender that falls behind by more than one period skips ahead instead of bursting, so
an overloaded machine shows as a lower delivered rate rather than as a flood afterwards.
"""

from __future__ import annotations

__all__ = ["next_deadline"]


def next_deadline(previous_s: float, now_s: float, sleep_ms: int) -> float:
    """The monotonic time (seconds) at which the batch after ``previous_s`` is due."""
    period_s = sleep_ms / 1000
    due = previous_s + period_s
    if due < now_s - period_s:
        return now_s
    return due
