"""Which money transfers a partition of `commands` has stored answers for beyond the group's
committed offset: decided and committed in PostgreSQL, but maybe never published (the
handler died, or its Kafka transaction failed, between the two commits).

The loop publishes those again before it decides anything new, so that each account's
BalanceChanged events leave in the order their balances were computed (`loop`).
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg
from psycopg.rows import TupleRow

__all__ = ["last_stored_offsets"]

# One scan per partition, once per assignment: the answers' source columns are not indexed
# (an index would cost every batch's insert for a question asked a few times a day).
_LAST_STORED = """
SELECT f.p, (SELECT max(a.source_offset) FROM money_transfer_answer a
             WHERE a.source_partition = f.p AND a.source_offset >= f.o)
FROM unnest(%(partitions)s::int[], %(offsets)s::bigint[]) AS f(p, o)
"""


def last_stored_offsets(
    connection: psycopg.Connection[TupleRow], committed: Mapping[int, int]
) -> dict[int, int]:
    """Per partition of `committed` (partition → the group's committed offset), the offset of
    the last money transfer first asked at or beyond it that has a stored answer; partitions
    without one are absent."""
    if not committed:
        return {}
    rows = connection.execute(
        _LAST_STORED,
        {"partitions": list(committed), "offsets": list(committed.values())},
    )
    return {partition: offset for partition, offset in rows if offset is not None}
