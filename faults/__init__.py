"""Fault injection for open-bank: kill parts of a private stack under load, then prove from
the real stores that nothing was lost or doubled (docs/reliability.md).

`faults.invariants` holds the guarantees as pure checks, `faults.reading` reads the stores,
`faults.private_stack` starts, kills and restarts components of a stack of its own,
`faults.clients` plays GraphQL clients, `python -m faults.soak` runs the long soak.
"""
