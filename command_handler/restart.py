"""The way out of a Kafka client that hangs: the process exits, its supervisor restarts it.

librdkafka can block a transactional call (`send_offsets_to_transaction` after the group
coordinator went away mid-transaction, librdkafka issues #5456 and #5511) past its own
time-out, for good; nothing in the process can unblock it, and carrying on beside it answered
commands twice. A new process recovers as after SIGKILL: its `init_transactions` fences what
the old one left open, its consumer starts from the committed offsets. So the handler exits
with `STUCK_EXIT_CODE` and its supervisor (supervisord in the local stack, Docker's restart
policy in compose.yaml) starts the new process.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

__all__ = ["STUCK_EXIT_CODE", "exit_for_restart"]

_LOGGER = logging.getLogger("command_handler")
# EX_TEMPFAIL (sysexits.h): a temporary failure, to be retried; `./bank status` shows it.
STUCK_EXIT_CODE = 75


def exit_for_restart() -> NoReturn:
    """Log why, flush the logs and end the process at once with `STUCK_EXIT_CODE`.

    `os._exit`, not `sys.exit`: an orderly exit would wait for the stuck thread and destroy
    the producer while that thread is still inside it.
    """
    _LOGGER.error(
        "exiting with code %d so that the supervisor starts a new handler", STUCK_EXIT_CODE
    )
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(STUCK_EXIT_CODE)
