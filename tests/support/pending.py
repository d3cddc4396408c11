"""Whether an answer of the API is a pending transfer: sent, not decided yet.

A client that gets one asks again with the same uuid (HTTP) or keeps reading (the
`money_transfer` subscription sends the decision next), as the UI does.
"""

from collections.abc import Mapping
from typing import Any

__all__ = ["is_pending"]


def is_pending(data: Mapping[str, Any] | None) -> bool:
    """True when a field of an answer's `data` is a pending transfer: `TransferPending`
    over HTTP, `pending: true` on the subscription."""
    return any(
        isinstance(value, dict)
        and (value.get("__typename") == "TransferPending" or value.get("pending") is True)
        for value in (data or {}).values()
    )
