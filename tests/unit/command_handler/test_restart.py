"""`restart_in_place` in a real child process: same pid, same command, no inherited fd."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from stack.layout import REPO_DIR

CHILD = textwrap.dedent(
    """
    import os, sys
    from command_handler.restart import restart_in_place

    if os.environ.get("RESTARTED"):
        fd = int(os.environ["INHERITABLE_FD"])
        try:
            os.fstat(fd)
            state = "open"
        except OSError:
            state = "closed"
        print("second", os.getpid(), sys.argv[1], state, flush=True)
        sys.exit(0)
    _read, write = os.pipe()
    os.set_inheritable(write, True)  # as a C library's socket may be
    os.environ["RESTARTED"] = "1"
    os.environ["INHERITABLE_FD"] = str(write)
    print("first", os.getpid(), sys.argv[1], flush=True)
    restart_in_place()
    """
)


def test_the_process_runs_its_own_command_again_with_the_same_pid() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, "an-argument"],
        cwd=REPO_DIR,
        env={**os.environ, "PYTHONPATH": str(REPO_DIR)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    first, second = result.stdout.splitlines()
    _, first_pid, first_arg = first.split()
    label, second_pid, second_arg, fd_state = second.split()

    assert label == "second"
    assert second_pid == first_pid
    assert second_arg == first_arg == "an-argument"
    assert fd_state == "closed"
