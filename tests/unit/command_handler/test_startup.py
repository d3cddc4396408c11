"""The start-up child hands the long-running process a plan of plain values, and that
process imports neither pydantic nor alembic (the point of the split: resident memory)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from command_handler import service
from command_handler.backoff import Backoff
from command_handler.plan import StartupPlan
from command_handler.settings import CommandHandlerSettings
from command_handler.startup import plan_from_settings
from topology.settings import DatabaseSettings, KafkaSettings, RegistrySettings

_REPO = Path(__file__).resolve().parents[3]


def make_plan(monkeypatch: pytest.MonkeyPatch) -> StartupPlan:
    monkeypatch.setenv("OPEN_BANK_COMMAND_HANDLER_INSTANCE", "b")
    monkeypatch.setenv("OPEN_BANK_COMMAND_HANDLER_METRICS_PORT", "10102")
    monkeypatch.setenv("OPEN_BANK_COMMAND_HANDLER_MAX_LINGER_MS", "7")
    return plan_from_settings(
        CommandHandlerSettings(),
        KafkaSettings(bootstrap_servers="127.0.0.1:9092", security_protocol="PLAINTEXT"),
        RegistrySettings(url="http://127.0.0.1:8081/apis/ccompat/v7/"),
        DatabaseSettings(url=SecretStr("postgresql+psycopg://u:secret@127.0.0.1:5433/d")),
    )


def test_the_plan_carries_settings_and_client_configs(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = make_plan(monkeypatch)
    assert plan.client_id == "command-handler-b"
    assert plan.metrics_port == 10102
    assert plan.max_linger_ms == 7
    assert plan.consumer_config["isolation.level"] == "read_committed"
    assert plan.consumer_config["enable.auto.commit"] is False
    assert plan.producer_config["transactional.id"] == "command-handler-b"
    assert plan.registry_config["url"] == "http://127.0.0.1:8081/apis/ccompat/v7"


def test_the_plan_survives_json_and_hides_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = make_plan(monkeypatch)
    assert StartupPlan.from_json(plan.to_json()) == plan
    assert "secret" not in repr(plan)


def test_anything_else_is_not_a_plan() -> None:
    with pytest.raises(ValueError, match="not a start-up plan"):
        StartupPlan.from_json('{"instance": "0"}')
    with pytest.raises(ValueError, match="not a start-up plan"):
        StartupPlan.from_json("Traceback (most recent call last):")


def test_the_service_process_imports_neither_pydantic_nor_alembic() -> None:
    probe = (
        "import sys, command_handler.service; "
        "print(sorted(m for m in ('pydantic', 'pydantic_settings', 'alembic') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=_REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


class FakeChild:
    """Stands in for `subprocess.run` of the start-up child: scripted exit statuses."""

    def __init__(self, plan: StartupPlan, statuses: list[int]) -> None:
        self.plan = plan
        self.statuses = statuses
        self.runs = 0

    def __call__(self, argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        assert argv[1:] == ["-m", "command_handler.startup"]
        status = self.statuses[self.runs]
        self.runs += 1
        stdout = self.plan.to_json() + "\n" if status in (0, 2) else ""
        return subprocess.CompletedProcess(argv, status, stdout, "the reason")


def test_start_up_waits_for_postgresql_then_returns_the_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    child = FakeChild(make_plan(monkeypatch), [2, 2, 0])
    monkeypatch.setattr(subprocess, "run", child)
    monkeypatch.setattr(Backoff, "next_delay_s", lambda self: 0.0)
    assert service.start_up(threading.Event()) == child.plan
    assert child.runs == 3


def test_start_up_fails_loudly_on_anything_but_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(subprocess, "run", FakeChild(make_plan(monkeypatch), [1]))
    with pytest.raises(RuntimeError, match="start-up failed: the reason"):
        service.start_up(threading.Event())


def test_start_up_gives_up_when_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()
    child = FakeChild(make_plan(monkeypatch), [2, 2, 2])

    def run_and_stop(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        stop.set()  # SIGTERM while PostgreSQL is still down
        return child(argv, **kwargs)

    monkeypatch.setattr(subprocess, "run", run_and_stop)
    assert service.start_up(stop) is None
    assert child.runs == 1
