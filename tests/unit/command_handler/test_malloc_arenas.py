"""`limit_malloc_arenas` caps glibc's arenas for threads started afterwards."""

from __future__ import annotations

import subprocess
import sys
import textwrap

_ARENAS_USED = textwrap.dedent(
    """
    import ctypes, sys, threading
    from command_handler.malloc_arenas import limit_malloc_arenas
    limited = limit_malloc_arenas(2) if sys.argv[1] == "limit" else None
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    ready, release = threading.Barrier(7), threading.Event()
    def allocate():
        libc.malloc(1000)  # a thread's first malloc picks (or makes) its arena
        ready.wait()
        release.wait()
    threads = [threading.Thread(target=allocate) for _ in range(6)]
    for thread in threads:
        thread.start()
    ready.wait()
    libc.malloc_stats()  # one "Arena n:" block per arena, on stderr
    release.set()
    for thread in threads:
        thread.join()
    print(limited)
    """
)


def _arenas(mode: str) -> tuple[str, int]:
    result = subprocess.run(
        [sys.executable, "-c", _ARENAS_USED, mode], capture_output=True, text=True, check=True
    )
    arenas = sum(line.startswith("Arena ") for line in result.stderr.splitlines())
    return result.stdout.strip(), arenas


def test_threads_share_two_arenas_after_the_limit_and_get_their_own_without() -> None:
    assert _arenas("limit") == ("True", 2)
    limited, arenas = _arenas("default")
    assert limited == "None"
    assert arenas > 2  # each of the six threads made its own (up to 8 per core)
