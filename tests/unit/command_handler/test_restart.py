"""`exit_for_restart` in a real child process: it ends at once with its own exit code and a
log line saying why, even while a thread is blocked for good (as one inside librdkafka)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from command_handler.restart import STUCK_EXIT_CODE
from stack.layout import REPO_DIR

CHILD = textwrap.dedent(
    """
    import logging, threading
    from command_handler.restart import exit_for_restart

    logging.basicConfig(level=logging.INFO)
    blocked = threading.Event()
    # Not a daemon: an orderly exit would wait for it for ever.
    threading.Thread(target=blocked.wait).start()
    exit_for_restart()
    print("still running", flush=True)
    """
)


def test_the_process_exits_at_once_with_the_stuck_code_and_says_why() -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=REPO_DIR,
        env={**os.environ, "PYTHONPATH": str(REPO_DIR)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == STUCK_EXIT_CODE == 75
    assert "still running" not in result.stdout
    assert "so that the supervisor starts a new handler" in result.stderr
    assert time.monotonic() - started < 30
