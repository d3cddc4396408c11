"""The dead-letter contract: how an undecodable or undecidable message is parked.

A dead letter on `topology.topics.DEAD_LETTER` keeps the original message's key and value
bytes untouched (so it can be inspected or replayed byte for byte) and says why and where
from in headers, all UTF-8 strings:

| header | value |
|---|---|
| `dead_letter.reason` | the precise reason, e.g. `UndecodableRecord.reason` |
| `dead_letter.topic` | topic the message was read from |
| `dead_letter.partition` | its partition (decimal) |
| `dead_letter.offset` | its offset (decimal) |
| `dead_letter.service` | the client id of the service that parked it |

The original message's own headers follow these, unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "OFFSET_HEADER",
    "PARTITION_HEADER",
    "REASON_HEADER",
    "SERVICE_HEADER",
    "TOPIC_HEADER",
    "DeadLetterOrigin",
    "dead_letter_headers",
    "read_dead_letter_origin",
]

REASON_HEADER: Final = "dead_letter.reason"
TOPIC_HEADER: Final = "dead_letter.topic"
PARTITION_HEADER: Final = "dead_letter.partition"
OFFSET_HEADER: Final = "dead_letter.offset"
SERVICE_HEADER: Final = "dead_letter.service"


@dataclass(frozen=True, slots=True)
class DeadLetterOrigin:
    """Why a message was parked and where it came from."""

    reason: str
    topic: str
    partition: int
    offset: int
    service: str


def dead_letter_headers(
    origin: DeadLetterOrigin,
    original_headers: Sequence[tuple[str, bytes | None]] | None = None,
) -> list[tuple[str, bytes]]:
    """The headers to produce a dead letter with (original headers kept after ours)."""
    headers = [
        (REASON_HEADER, origin.reason.encode()),
        (TOPIC_HEADER, origin.topic.encode()),
        (PARTITION_HEADER, str(origin.partition).encode()),
        (OFFSET_HEADER, str(origin.offset).encode()),
        (SERVICE_HEADER, origin.service.encode()),
    ]
    for name, value in original_headers or ():
        headers.append((name, value if value is not None else b""))
    return headers


def read_dead_letter_origin(headers: Sequence[tuple[str, bytes | None]]) -> DeadLetterOrigin:
    """Read the origin back from a dead letter's headers (raises KeyError if one is missing)."""
    found: dict[str, str] = {}
    for name, value in headers:
        # The first occurrence wins: ours come before the original message's headers.
        if name not in found and value is not None:
            found[name] = value.decode()
    return DeadLetterOrigin(
        reason=found[REASON_HEADER],
        topic=found[TOPIC_HEADER],
        partition=int(found[PARTITION_HEADER]),
        offset=int(found[OFFSET_HEADER]),
        service=found[SERVICE_HEADER],
    )
