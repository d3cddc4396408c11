"""Reading py-spy's collapsed stacks into each thread's largest frames."""

from __future__ import annotations

from bench.profiles import hot_frames

_MAIN = "thread (0x1): MainThread;main (svc/__main__.py:5);run (svc/loop.py:10)"
COLLAPSED = f"""\
{_MAIN};poll (svc/loop.py:20) 60
{_MAIN};store (svc/db.py:7);execute (psycopg/cursor.py:70) 30
{_MAIN.replace("loop.py:10", "loop.py:12")};store (svc/db.py:9) 10
thread (0x2): publisher;publish (svc/kafka.py:3) 5
not a sample line
"""


def test_inclusive_shares_per_thread_without_the_trunk() -> None:
    frames = hot_frames(COLLAPSED)
    main = [frame for frame in frames if frame.thread.endswith("MainThread")]
    # main and run are on every sample: the trunk; two lines of `store` count once.
    assert [frame.function for frame in main] == [
        "poll (svc/loop.py)",
        "store (svc/db.py)",
        "execute (psycopg/cursor.py)",
    ]
    assert [round(frame.share, 6) for frame in main] == [0.6, 0.4, 0.3]
    # A thread whose every sample is one stack has only its trunk.
    assert [frame for frame in frames if "publisher" in frame.thread] == []


def test_top_limits_frames_per_thread() -> None:
    assert len(hot_frames(COLLAPSED, top=1)) == 1
