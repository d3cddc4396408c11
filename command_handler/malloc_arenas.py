"""Cap glibc's malloc arenas before any thread exists: resident memory.

glibc gives each thread that allocates its own arena (up to 8 per core) once the threads
contend, and an arena keeps the pages its thread freed for its own later use. The handler
has a dozen threads that allocate: librdkafka's (a main and one per broker connection, for
the consumer and for the transactional producer), the publishing thread and the metrics
server's. Two arenas instead of one per thread trim what they keep between bursts (measured
in docs/command-handler.md, *Session 4*).

`mallopt(M_ARENA_MAX, n)` is what `MALLOC_ARENA_MAX=n` in the environment does, done by the
process itself: it holds however the handler is started (the stack, compose, by hand) and
across its restart in place (`restart`: execv runs `__main__` again, which sets it again).
It must run before the first thread starts; arenas made before stay. Not glibc (musl, say):
nothing happens.
"""

from __future__ import annotations

import ctypes
from typing import Final

__all__ = ["M_ARENA_MAX", "limit_malloc_arenas"]

M_ARENA_MAX: Final = -8  # glibc's malloc.h


def limit_malloc_arenas(count: int) -> bool:
    """Let glibc's malloc use at most `count` arenas; False when the C library has no
    `mallopt` or refused (then the default stays)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except AttributeError:  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, count))
