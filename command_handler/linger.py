"""How long a new batch waits for more commands after its first: adaptive, from what the
loop measured, so idle commands are decided at once and a steady stream forms batches.

Every batch costs one Kafka transaction (a few round trips to the coordinator, whatever its
size). While the previous batch's transaction commits, the loop gathers anyway (it could not
publish before that); the linger only matters when nothing is in flight. A fixed 5 ms linger
added 5 ms to every idle command and still left batches of one or two at a steady 500/s.

The rule: linger only when batching can pay, i.e. when at least `_MIN_EXPECTED` commands are
expected to arrive during one transaction (arrival rate x commit time). Then wait at most one
commit time (capped by `max_linger_s`), and stop as soon as that many have arrived. Pure: the
loop passes in the clock readings.
"""

from __future__ import annotations

from typing import Final

__all__ = ["AdaptiveLinger"]

# Weight of the newest sample in the moving averages: a few batches to follow a change of
# load, without one odd batch swinging the linger.
_ALPHA: Final = 0.3
# Below this many commands per commit time, a batch would gather one or two more at the
# price of every command's latency: do not linger.
_MIN_EXPECTED: Final = 2.0
# A commit this fast (s) costs less than lingering would add: do not linger.
_FAST_COMMIT_S: Final = 0.002


class AdaptiveLinger:
    """Moving averages of the arrival rate (commands/s) and the publish time (s) of a batch,
    and the linger they call for. `max_linger_s` bounds the added latency."""

    def __init__(self, max_linger_s: float) -> None:
        self._max_linger_s = max_linger_s
        self._rate_per_s = 0.0
        self._publish_s = 0.0
        self._last_batch_at: float | None = None

    @property
    def rate_per_s(self) -> float:
        """Moving average of commands arriving per second."""
        return self._rate_per_s

    @property
    def publish_s(self) -> float:
        """Moving average of one batch's Kafka transaction (s)."""
        return self._publish_s

    def batch_gathered(self, size: int, at: float) -> None:
        """A batch of `size` messages was gathered at time `at` (s, monotonic): they arrived
        since the previous batch was gathered."""
        if self._last_batch_at is not None:
            elapsed = max(at - self._last_batch_at, 1e-3)
            self._rate_per_s += _ALPHA * (size / elapsed - self._rate_per_s)
        self._last_batch_at = at

    def batch_published(self, seconds: float) -> None:
        """A batch's Kafka transaction took `seconds` (from submit to commit)."""
        self._publish_s += _ALPHA * (seconds - self._publish_s)

    def expected_per_commit(self) -> float:
        """Commands expected to arrive during one Kafka transaction."""
        return self._rate_per_s * self._publish_s

    def linger_s(self) -> float:
        """How long a batch should wait for more after its first command (s); 0 at low load."""
        if self._publish_s < _FAST_COMMIT_S or self.expected_per_commit() < _MIN_EXPECTED:
            return 0.0
        return min(self._publish_s, self._max_linger_s)

    def enough(self, gathered: int) -> bool:
        """True when a lingering batch holds what one commit time brings: stop waiting."""
        return gathered >= self.expected_per_commit()
