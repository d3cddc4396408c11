"""Settings come from OPEN_BANK_* variables; ports shift with OPEN_BANK_PORT_OFFSET."""

from __future__ import annotations

import pytest

from command_handler.settings import CommandHandlerSettings


def test_defaults_and_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPEN_BANK_COMMAND_HANDLER_METRICS_PORT", raising=False)
    monkeypatch.setenv("OPEN_BANK_PORT_OFFSET", "1000")
    monkeypatch.setenv("OPEN_BANK_COMMAND_HANDLER_INSTANCE", "b")
    settings = CommandHandlerSettings()
    assert settings.metrics_bind_port == 10102
    assert settings.transactional_id == "command-handler-b"
    assert settings.group_id == "command-handler"
    assert settings.topic_prefix == ""


def test_an_explicit_metrics_port_is_not_shifted_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN_BANK_PORT_OFFSET", "1000")
    monkeypatch.setenv("OPEN_BANK_COMMAND_HANDLER_METRICS_PORT", "10102")
    assert CommandHandlerSettings().metrics_bind_port == 10102
