"""open-bank's benchmarks and capacity checks, and the rig they share (``python -m bench``).

A tool package: it may import the bank's packages and drive their processes; nothing in the
bank imports it. Tests may use its rig (private topics, throwaway databases, a handler
process).
"""

__all__: list[str] = []
