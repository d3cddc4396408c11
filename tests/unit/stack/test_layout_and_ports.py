"""Ports of docs/architecture.md and the run folder, shifted for a private stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.errors import StackError
from stack.layout import REPO_DIR, StackLayout
from stack.ports import Ports


def test_default_ports_are_those_of_the_architecture() -> None:
    ports = Ports()
    assert (ports.postgres, ports.registry, ports.registry_management) == (5433, 8081, 9001)
    assert (ports.nginx, ports.backend) == (8080, 8000)
    assert (ports.broker(1), ports.controller(1)) == (9092, 9093)
    assert (ports.broker(3), ports.controller(3)) == (9292, 9293)
    assert ports.command_handler_metrics == 9102
    assert ports.heartbeat == 9103
    assert ports.command_generator_metrics == 9104


def test_bootstrap_servers_list_every_broker() -> None:
    assert Ports().bootstrap_servers(1) == "127.0.0.1:9092"
    assert Ports(1000).bootstrap_servers(3) == "127.0.0.1:10092,127.0.0.1:10192,127.0.0.1:10292"


def test_layout_defaults_to_dot_run_in_the_repo() -> None:
    layout = StackLayout.from_environ({})
    assert layout.run_dir == REPO_DIR / ".run"
    assert layout.cache_dir == REPO_DIR / ".run" / "cache"
    assert layout.ports == Ports(0)
    assert layout.log_file("kafka-1") == REPO_DIR / ".run" / "logs" / "kafka-1.log"


def test_layout_follows_the_environment(tmp_path: Path) -> None:
    layout = StackLayout.from_environ(
        {
            "OPEN_BANK_RUN_DIR": str(tmp_path / "run"),
            "OPEN_BANK_CACHE_DIR": str(tmp_path / "cache"),
            "OPEN_BANK_PORT_OFFSET": "1000",
        }
    )
    assert layout.run_dir == tmp_path / "run"
    assert layout.cache_dir == tmp_path / "cache"
    assert layout.ports.postgres == 6433


@pytest.mark.parametrize("offset", ["ten", "-5", "23001", "60000"])
def test_bad_port_offset_is_a_stack_error(offset: str) -> None:
    with pytest.raises(StackError) as caught:
        StackLayout.from_environ({"OPEN_BANK_PORT_OFFSET": offset})
    assert "OPEN_BANK_PORT_OFFSET" in caught.value.one_line()


def test_stack_error_is_one_line_with_cause_fix_and_log() -> None:
    error = StackError("port 8080 is taken", "stop it", Path("/run/logs/nginx.log"))
    line = error.one_line()
    assert "\n" not in line
    assert line == "error: port 8080 is taken; fix: stop it; log: /run/logs/nginx.log"
