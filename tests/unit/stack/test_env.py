"""`service_env`: the names of docs/architecture.md, each service with its own identity."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from stack.env import check_tracing_knobs, service_env
from stack.errors import StackError
from stack.layout import StackLayout
from stack.passwords import ensure_company_token, ensure_password
from stack.state import StackState, write_state

ARCHITECTURE = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"


@pytest.fixture
def layout(tmp_path: Path) -> StackLayout:
    return StackLayout.from_environ(
        {"OPEN_BANK_RUN_DIR": str(tmp_path), "OPEN_BANK_PORT_OFFSET": "1000"}
    )


def test_tests_principal_gets_kafka_and_registry_but_no_database(layout: StackLayout) -> None:
    env = service_env("tests", layout)
    assert env["OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:10092"
    assert env["OPEN_BANK_KAFKA_SECURITY_PROTOCOL"] == "SSL"
    assert env["OPEN_BANK_KAFKA_SSL_CA_LOCATION"] == str(layout.certs_dir / "ca.pem")
    assert env["OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION"] == str(layout.certs_dir / "tests.pem")
    assert env["OPEN_BANK_KAFKA_SSL_KEY_LOCATION"] == str(layout.certs_dir / "tests.key")
    assert env["OPEN_BANK_SCHEMA_REGISTRY_URL"] == "http://127.0.0.1:9081/apis/ccompat/v7"
    assert "OPEN_BANK_DATABASE_URL" not in env


def test_backend_gets_its_own_role_and_database(layout: StackLayout) -> None:
    password = ensure_password(layout.secrets_dir, "backend")
    url = urlsplit(service_env("backend", layout)["OPEN_BANK_DATABASE_URL"])
    assert url.scheme == "postgresql+psycopg"
    assert (url.username, unquote(url.password or ""), url.path) == (
        "backend",
        password,
        "/backend",
    )
    assert (url.hostname, url.port) == ("127.0.0.1", 6433)


def test_only_the_backend_gets_the_proxy_secret_file(layout: StackLayout) -> None:
    for role in ("backend", "command_handler"):
        ensure_password(layout.secrets_dir, role)
    ensure_company_token(layout.secrets_dir)
    backend = service_env("backend", layout)
    path = layout.secrets_dir / "nginx_proxy.password"
    assert backend["OPEN_BANK_BACKEND_PROXY_SECRET_FILE"] == str(path)
    for name in ("command-handler", "tests"):
        assert "OPEN_BANK_BACKEND_PROXY_SECRET_FILE" not in service_env(name, layout)


def test_the_stacks_backend_and_generator_are_static_members_of_their_groups(
    layout: StackLayout,
) -> None:
    for role in ("backend", "command_handler"):
        ensure_password(layout.secrets_dir, role)
    ensure_company_token(layout.secrets_dir)
    assert service_env("backend", layout)["OPEN_BANK_BACKEND_PROJECTOR_INSTANCE"] == "0"
    assert "OPEN_BANK_BACKEND_PROJECTOR_INSTANCE" not in service_env("tests", layout)
    assert service_env("command-generator", layout)["OPEN_BANK_COMMAND_GENERATOR_INSTANCE"] == "0"
    assert "OPEN_BANK_COMMAND_GENERATOR_INSTANCE" not in service_env("tests", layout)


def test_service_ports_follow_the_offset(layout: StackLayout) -> None:
    env = service_env("heartbeat", layout)
    assert env["OPEN_BANK_BACKEND_PORT"] == "9000"
    assert env["OPEN_BANK_HEARTBEAT_PORT"] == "10103"
    assert env["OPEN_BANK_COMMAND_HANDLER_METRICS_PORT"] == "10102"
    assert env["OPEN_BANK_COMMAND_GENERATOR_METRICS_PORT"] == "10104"


def test_three_brokers_change_bootstrap_and_replication(layout: StackLayout) -> None:
    write_state(layout, StackState(brokers=3))
    env = service_env("synchronizer", layout)
    assert env["OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS"].count(",") == 2
    assert env["OPEN_BANK_KAFKA_REPLICATION_FACTOR"] == "3"
    assert env["OPEN_BANK_KAFKA_MIN_INSYNC_REPLICAS"] == "2"


def test_a_database_service_before_the_first_up_is_a_stack_error(layout: StackLayout) -> None:
    with pytest.raises(StackError, match="no password"):
        service_env("command-handler", layout)


def test_unknown_service_is_a_stack_error(layout: StackLayout) -> None:
    with pytest.raises(StackError, match="unknown service"):
        service_env("mallory", layout)


@pytest.mark.parametrize("name", ["backend", "command-handler", "command-generator", "tests"])
def test_every_variable_is_documented_in_the_architecture(layout: StackLayout, name: str) -> None:
    for role in ("backend", "command_handler"):
        ensure_password(layout.secrets_dir, role)
    ensure_company_token(layout.secrets_dir)
    documented = ARCHITECTURE.read_text()
    for variable in service_env(name, layout):
        assert f"`{variable}`" in documented, variable


def test_passwords_are_private_and_stable(layout: StackLayout) -> None:
    first = ensure_password(layout.secrets_dir, "registry")
    assert ensure_password(layout.secrets_dir, "registry") == first
    assert len(first) >= 32
    assert (layout.secrets_dir / "registry.password").stat().st_mode & 0o777 == 0o600


def test_the_company_token_is_a_private_random_token(tmp_path: Path) -> None:
    made = [ensure_company_token(tmp_path / str(n)) for n in range(3)]
    for token in made:
        assert re.fullmatch(r"[0-9]{20}", token)
    # Drawn at random per stack: three stacks share no token (a collision is 1 in 10^20).
    assert len(set(made)) == 3
    assert "0" * 20 not in made
    assert ensure_company_token(tmp_path / "0") == made[0]
    assert (tmp_path / "0" / "company.token").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "0").stat().st_mode & 0o777 == 0o700


def test_only_the_migration_step_and_the_generator_get_the_company_token(
    layout: StackLayout,
) -> None:
    for role in ("backend", "command_handler"):
        ensure_password(layout.secrets_dir, role)
    token = ensure_company_token(layout.secrets_dir)
    holders = {
        name
        for name in ("backend", "command-handler", "command-generator", "heartbeat", "tests")
        if service_env(name, layout).get("OPEN_BANK_COMPANY_TOKEN") == token
    }
    assert holders == {"command-handler", "command-generator"}
    assert not [
        name
        for name in ("backend", "heartbeat", "synchronizer", "tests", "bench")
        if token in service_env(name, layout).values()
    ]


def test_the_company_token_before_the_first_up_is_a_stack_error(layout: StackLayout) -> None:
    with pytest.raises(StackError, match="no company account token"):
        service_env("command-generator", layout)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("OPEN_BANK_TRACING_BACKGROUND_RATIO", "2", "less than or equal to 1"),
        ("OPEN_BANK_TRACING_BACKGROUND_RATIO", "a tenth", "valid number"),
        ("OPEN_BANK_TRACING_ENABLED", "maybe", "valid boolean"),
    ],
)
def test_up_refuses_a_tracing_knob_the_services_would_refuse(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(StackError) as refused:
        check_tracing_knobs()
    line = refused.value.one_line()
    assert f"{name}={value!r}" in line
    assert said in line
    assert f"unset {name}" in line


def test_valid_tracing_knobs_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN_BANK_TRACING_BACKGROUND_RATIO", "0.5")
    monkeypatch.setenv("OPEN_BANK_TRACING_ENABLED", "false")
    check_tracing_knobs()
