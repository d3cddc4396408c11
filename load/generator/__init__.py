"""The command generator: turns each heartbeat into one command (``python -m load.generator``)."""

__all__: list[str] = []
