"""Transaction ids derived from Kafka coordinates of the BalanceChanged event.

``id = offset * partitions + partition`` is unique per event, identical in every
backend instance (so the live stream and the table agree without a database
round trip) and makes replays idempotent: re-inserting an event hits the same key.
Ids stay below 2**31 (GraphQL ``Int``) for the first ~2**31 events.
"""

__all__ = ["transaction_id"]


def transaction_id(partition: int, offset: int, partitions: int) -> int:
    """Return the transaction id of the event at ``partition``/``offset``."""
    if not 0 <= partition < partitions:
        raise ValueError(f"partition {partition} outside 0..{partitions - 1}")
    if offset < 0:
        raise ValueError(f"offset {offset} is negative")
    return offset * partitions + partition
