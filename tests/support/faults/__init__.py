"""Fault injection for open-bank: kill parts of a private stack under load, then prove from
the real stores that nothing was lost or doubled (docs/reliability.md). Support of the fault
suite (tests/faults), not a part of the bank.

`invariants` holds the guarantees as pure checks, `reading` reads the stores,
`private_stack` starts, kills and restarts components of a stack of its own, `clients` plays
GraphQL clients, `python -m tests.support.faults.soak` runs the long soak.
"""
