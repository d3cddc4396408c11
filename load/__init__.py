"""Background load for open-bank: the heartbeat and the command generator.

Two processes, each its own Kafka client and principal, so the benchmark can raise the
load at run time (heartbeat control API) and measure each one alone.
"""

__all__: list[str] = []
