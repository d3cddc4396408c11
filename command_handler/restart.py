"""Restarting the handler in place, as the way out of a Kafka client that hangs.

librdkafka can block a transactional call (`send_offsets_to_transaction` after the group
coordinator went away mid-transaction, librdkafka issues #5456 and #5511) past its own
time-out, for good. A blocked thread cannot be interrupted, and a producer must not be
destroyed while a thread is inside it; carrying on beside them in the same process answered
commands twice. The recovery every fault scenario proves is the one after SIGKILL: a new
process, whose `init_transactions` with the same transactional id aborts what the old one
left open and whose consumer starts from the committed offsets. So a stuck handler becomes
that new process: it executes itself again (same pid, arguments, environment and log
files), with every other file descriptor closed so no socket of the old clients survives.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

__all__ = ["restart_argv", "restart_in_place"]

# File descriptors that survive the exec: stdin, stdout and stderr (the log files).
_KEPT_FDS = 3


def restart_argv() -> list[str]:
    """The command line this process was started with, run by the same interpreter
    (`sys.orig_argv[0]` may be a bare `python`, resolved through a PATH that may differ)."""
    return [sys.executable, *sys.orig_argv[1:]]


def restart_in_place() -> NoReturn:
    """Replace this process by a fresh run of the same command; never returns.

    Threads (the stuck one too) end with the old image. Logs are flushed first, so the
    line saying why is not lost in a buffer.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Python opens its own files close-on-exec, but librdkafka's and libpq's sockets need
    # not be: close them all (close_range, one system call on Linux).
    os.closerange(_KEPT_FDS, os.sysconf("SC_OPEN_MAX"))
    os.execv(sys.executable, restart_argv())  # noqa: S606 (our own interpreter, no shell)
