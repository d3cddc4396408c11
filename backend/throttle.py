"""Login throttling per client address and for the whole server, never per username.

Every ``get_account``, ``login`` and ``create_account`` counts (not only failures): each
costs an argon2 hash on purpose, so unbounded attempts would be a CPU-exhaustion path. Each
client address gets a sliding window of attempts, the server a one-second window over all
addresses, and an address that keeps sending wrong passwords backs off exponentially.
Nothing is keyed on the username: knowing someone's username cannot lock them out. State is
in memory, bounded in the number of addresses; one instance per backend process.
"""

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from backend.errors import ClientError

__all__ = ["LoginThrottle", "TooManyAttemptsError", "backoff_s"]

_SUBJECTS = {
    "client": "from this address",
    "server": "on the server right now",
}


class TooManyAttemptsError(ClientError):
    """Too many login attempts from this client, or on the whole server; wait and retry."""

    def __init__(self, subject: str, retry_after_s: float) -> None:
        wait = max(1, round(retry_after_s))
        super().__init__(
            f"too many login attempts {_SUBJECTS[subject]}, retry in {wait} s",
            "RATE_LIMITED",
            subject=subject,
        )
        self.retry_after_s = retry_after_s


def backoff_s(failures: int, free: int, base_s: float, max_s: float) -> float:
    """Seconds an address waits after its latest failure: 0 for the first ``free``
    failures, then ``base_s`` doubling with each further one, at most ``max_s``."""
    if failures <= free:
        return 0.0
    return float(min(max_s, base_s * 2 ** min(failures - free - 1, 62)))


class _Window:
    """At most ``limit`` events per ``window_s`` seconds (a sliding log)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self.events: deque[float] = deque()

    def retry_after(self, now: float) -> float | None:
        """Seconds to wait if full, else None (the caller then calls ``add``)."""
        while self.events and self.events[0] <= now - self.window_s:
            self.events.popleft()
        if len(self.events) >= self.limit:
            return self.events[0] + self.window_s - now
        return None

    def add(self, now: float) -> None:
        self.events.append(now)


@dataclass
class _Client:
    attempts: _Window
    failures: deque[float]


class LoginThrottle:
    """``per_client`` attempts per address within ``window_s``; ``per_second`` attempts on
    the whole server; after ``free_failures`` wrong passwords within ``failure_memory_s``,
    an address waits ``backoff_base_s`` (doubling, at most ``backoff_max_s``) after each."""

    def __init__(
        self,
        *,
        per_client: int = 300,
        window_s: float = 60.0,
        per_second: int = 10,
        free_failures: int = 10,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        failure_memory_s: float = 600.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_client = per_client
        self._window_s = window_s
        self._server = _Window(per_second, 1.0)
        self._free_failures = free_failures
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._failure_memory_s = failure_memory_s
        self._max_keys = max_keys
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self._clock = clock

    def check(self, client: str) -> None:
        """Count one attempt from ``client``, or raise ``TooManyAttemptsError`` (not counted)."""
        now = self._clock()
        state = self._client(client)
        wait = self._backoff_wait(state, now)
        if wait > 0:
            raise TooManyAttemptsError("client", wait)
        client_wait = state.attempts.retry_after(now)
        if client_wait is not None:
            raise TooManyAttemptsError("client", client_wait)
        server_wait = self._server.retry_after(now)
        if server_wait is not None:
            raise TooManyAttemptsError("server", server_wait)
        state.attempts.add(now)
        self._server.add(now)

    def failed(self, client: str) -> None:
        """Record a wrong password from ``client``: its back-off grows."""
        self._client(client).failures.append(self._clock())

    def _backoff_wait(self, state: _Client, now: float) -> float:
        failures = state.failures
        while failures and failures[0] <= now - self._failure_memory_s:
            failures.popleft()
        if not failures:
            return 0.0
        pause = backoff_s(
            len(failures), self._free_failures, self._backoff_base_s, self._backoff_max_s
        )
        return max(0.0, failures[-1] + pause - now)

    def _client(self, client: str) -> _Client:
        state = self._clients.get(client)
        if state is None:
            # Beyond this many, more failures change nothing: the back-off is at its cap.
            failures: deque[float] = deque(maxlen=self._free_failures + 64)
            state = self._clients[client] = _Client(
                _Window(self._per_client, self._window_s), failures
            )
            if len(self._clients) > self._max_keys:
                self._clients.popitem(last=False)
        self._clients.move_to_end(client)
        return state
