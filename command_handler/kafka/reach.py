"""How far back answers in doubt can reach, pure: no Kafka, no storage.

Only the batches stored and not yet published can be in doubt: two of the storing instance's
(one publishing, the next decided meanwhile), so a few thousand offsets of a partition. When
storage holds answers much further beyond the group's committed offset, Kafka answered with an
offset the handler never left there: an operator reset the group, or a group coordinator lost
its state and served an old commit. The answers in between went out in committed transactions.
Publishing them all again would send every one a second time, as one batch held in memory (a
coordinator that served an offset hours old once made the handler read 7.5 million commands).
So only the last `most` offsets are published again, and the commands before them are skipped
as answered.

Stored answers at or beyond the end of the partition's log were read from another log of the
topic (deleted and created again). They cannot be read again, and raising the floor past them
would skip the new log's commands: they are not in doubt at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["IN_DOUBT_BATCHES", "Partition", "Reach", "far_behind", "reach"]

IN_DOUBT_BATCHES = 10
"""The most offsets per partition published again, in batches of the instance's size: two
can really be in doubt; the rest is room for an instance that batches more."""

Partition = tuple[str, int]
"""A (topic, partition) pair."""


@dataclass(frozen=True)
class Reach:
    """What is in doubt once implausible doubts are ruled out."""

    # Partition → the offset of its last answer to publish again.
    in_doubt: dict[Partition, int]
    # Partition → its raised floor: the first offset published again; below it, answered.
    raised: dict[Partition, int] = field(default_factory=dict)
    # Partition → the offset of its last stored answer, beyond the end of its log.
    beyond_log: dict[Partition, int] = field(default_factory=dict)


def far_behind(
    in_doubt: Mapping[Partition, int], floors: Mapping[Partition, int], most: int
) -> set[Partition]:
    """The partitions whose answers in doubt span more than `most` offsets from their floor."""
    return {key for key, last in in_doubt.items() if last - floors[key] >= most}


def reach(
    in_doubt: Mapping[Partition, int],
    floors: Mapping[Partition, int],
    log_ends: Mapping[Partition, int],
    most: int,
) -> Reach:
    """`in_doubt` (partition → last stored answer at or beyond `floors`) within `most`
    offsets of its last answer, knowing the end (high watermark) of each partition that is
    `far_behind`."""
    kept: dict[Partition, int] = {}
    raised: dict[Partition, int] = {}
    beyond: dict[Partition, int] = {}
    far = far_behind(in_doubt, floors, most)
    for key, last in in_doubt.items():
        if key not in far:
            kept[key] = last
        elif last >= log_ends[key]:
            beyond[key] = last
        else:
            kept[key] = last
            raised[key] = last + 1 - most
    return Reach(kept, raised, beyond)
