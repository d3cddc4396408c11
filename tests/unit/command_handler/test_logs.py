"""JSON log lines, and one line per state change of a dependency."""

from __future__ import annotations

import json
import logging

import pytest

from command_handler.logs import JsonFormatter, StateLog


def test_json_formatter_keeps_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "x", "levelname": "INFO", "msg": "hello %s", "args": ("you",), "offset": 7}
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello you"
    assert entry["offset"] == 7
    assert entry["level"] == "INFO"


def test_state_log_logs_transitions_only(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test_state_log")
    state = StateLog(logger, "postgresql")
    with caplog.at_level(logging.INFO, logger="test_state_log"):
        state.succeeded()
        for _ in range(3):
            state.failed(ConnectionError("refused"))
        assert not state.up
        state.succeeded()
        state.succeeded()
    assert [r.getMessage() for r in caplog.records] == [
        "postgresql unavailable, retrying with back-off",
        "postgresql available again",
    ]
    assert state.up
