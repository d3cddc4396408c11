"""The ``at`` argument: an ISO 8601 moment, parsed at the API edge (pure)."""

from datetime import UTC, datetime

from backend.validation import InvalidArgumentError

__all__ = ["parse_moment"]

_MAX_LENGTH = 40
_EXAMPLE = "e.g. 2026-12-05T08:00:00Z or 2026-12-05T09:00:00+01:00"


def parse_moment(argument: str, value: str) -> datetime:
    """An aware datetime for ``value``; a moment without an offset is taken as UTC."""
    text = value.strip()
    if not text or len(text) > _MAX_LENGTH:
        raise InvalidArgumentError(argument, f"not an ISO 8601 moment ({_EXAMPLE})")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        shown = text if text.isprintable() else repr(text)
        raise InvalidArgumentError(
            argument, f"{shown!r} is not an ISO 8601 moment ({_EXAMPLE})"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
