"""Kafka ids made by the stack are accepted on kafka-storage's command line."""

from __future__ import annotations

import uuid

import pytest

from stack import kafka_components as components


def test_an_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xf8 encodes to "-" first (URL-safe base64 index 62): the first draw must be refused.
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=b"\x10" + bytes(15))])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))

    made = components._kafka_uuid()

    assert made == "EAAAAAAAAAAAAAAAAAAAAA"


def test_an_id_is_22_url_safe_characters() -> None:
    made = {components._kafka_uuid() for _ in range(2_000)}

    assert all(len(m) == 22 and not m.startswith("-") for m in made)
    assert len(made) == 2_000
