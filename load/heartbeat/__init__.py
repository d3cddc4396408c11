"""The heartbeat: `batch_size` Heartbeat records every `sleep_ms` (`python -m load.heartbeat`).

Its load can be read and changed at run time through a small HTTP control API on loopback,
which is how the benchmark raises the background load step by step.
"""

__all__: list[str] = []
