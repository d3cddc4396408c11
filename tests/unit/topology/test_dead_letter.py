"""Unit tests of `topology.dead_letter`: the headers contract round-trips."""

from __future__ import annotations

import pytest

from topology.dead_letter import (
    REASON_HEADER,
    DeadLetterOrigin,
    dead_letter_headers,
    read_dead_letter_origin,
)


def test_origin_round_trips_through_headers_and_original_headers_follow() -> None:
    origin = DeadLetterOrigin(
        reason="unknown magic byte 7",
        topic="commands",
        partition=3,
        offset=42,
        service="command-handler",
    )
    headers = dead_letter_headers(origin, [("trace", b"abc"), (REASON_HEADER, b"older")])
    assert headers[0] == (REASON_HEADER, b"unknown magic byte 7")
    assert headers[-2:] == [("trace", b"abc"), (REASON_HEADER, b"older")]
    assert read_dead_letter_origin(headers) == origin


def test_missing_header_is_an_error() -> None:
    with pytest.raises(KeyError):
        read_dead_letter_origin([(REASON_HEADER, b"x")])
