"""The generator's group membership: static only when the stack names the instance
(`consumer_config(instance=…)` makes the member)."""

from __future__ import annotations

import pytest

from load.settings import GeneratorSettings


def test_a_named_generator_is_a_static_member(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN_BANK_COMMAND_GENERATOR_INSTANCE", "0")

    assert GeneratorSettings().instance == "0"


def test_an_unnamed_generator_joins_as_a_dynamic_member(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPEN_BANK_COMMAND_GENERATOR_INSTANCE", raising=False)

    assert GeneratorSettings().instance is None
