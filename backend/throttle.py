"""Rate limits on login attempts, per username and per client address.

Every ``get_account``, ``login`` and ``create_account`` counts (not only failures):
each costs an argon2 hash on purpose, so unbounded attempts would be both a
password-guessing and a CPU-exhaustion path. Sliding windows in memory, bounded
in the number of keys; one instance per backend process.
"""

import time
from collections import OrderedDict, deque
from collections.abc import Callable

from backend.errors import ClientError

__all__ = ["LoginThrottle", "TooManyAttemptsError"]


class TooManyAttemptsError(ClientError):
    """Too many login attempts for this username or from this client; wait and retry."""

    def __init__(self, subject: str, retry_after_s: float) -> None:
        super().__init__(
            f"too many login attempts for this {subject}, retry in {retry_after_s:.0f} s",
            "RATE_LIMITED",
            subject=subject,
        )


class _Windows:
    def __init__(self, limit: int, window_s: float, max_keys: int) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self.attempts: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str, now: float) -> float | None:
        """Seconds to wait if ``key`` is at its limit, else None (and count this attempt)."""
        window = self.attempts.get(key)
        if window is None:
            window = self.attempts[key] = deque()
            if len(self.attempts) > self.max_keys:
                self.attempts.popitem(last=False)
        self.attempts.move_to_end(key)
        while window and window[0] <= now - self.window_s:
            window.popleft()
        if len(window) >= self.limit:
            return window[0] + self.window_s - now
        window.append(now)
        return None


class LoginThrottle:
    """At most ``per_username`` attempts per username and ``per_client`` per client
    address within any ``window_s`` seconds."""

    def __init__(
        self,
        *,
        per_username: int = 20,
        per_client: int = 300,
        window_s: float = 60.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._usernames = _Windows(per_username, window_s, max_keys)
        self._clients = _Windows(per_client, window_s, max_keys)
        self._clock = clock

    def check(self, username: str, client: str) -> None:
        """Count one attempt, or raise ``TooManyAttemptsError`` (not counted)."""
        now = self._clock()
        wait = self._clients.retry_after(client, now)
        if wait is not None:
            raise TooManyAttemptsError("client", wait)
        wait = self._usernames.retry_after(username, now)
        if wait is not None:
            raise TooManyAttemptsError("username", wait)
