"""compose.yaml (which we cannot run here): it parses, it has every component of the local
stack with the same ports, the same Kafka version, and the env names of docs/architecture.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from stack.downloads import kafka_version
from stack.env import SERVICE_DATABASES, service_env
from stack.layout import StackLayout
from stack.passwords import ensure_company_token, ensure_password
from stack.ports import Ports
from stack.services import SERVICES

REPO = Path(__file__).resolve().parents[3]
ARCHITECTURE = (REPO / "docs" / "architecture.md").read_text()


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load((REPO / "compose.yaml").read_text())
    return dict(document["services"])


def _published(service: dict[str, Any]) -> set[int]:
    # "127.0.0.1:<host>:<container>": only loopback, as the local stack.
    ports = set()
    for mapping in service.get("ports", []):
        host, port, _ = str(mapping).split(":")
        assert host == "127.0.0.1", mapping
        ports.add(int(port))
    return ports


def test_every_component_of_the_local_stack_is_there(services: dict[str, Any]) -> None:
    infrastructure = {
        "postgres",
        "kafka-1",
        "kafka-2",
        "kafka-3",
        "schema-registry",
        "zipkin",
        "nginx",
    }
    assert infrastructure | {spec.name for spec in SERVICES} <= set(services)


def test_three_brokers_come_with_their_profile(services: dict[str, Any]) -> None:
    assert "profiles" not in services["kafka-1"]
    for name in ("kafka-2", "kafka-3"):
        assert services[name]["profiles"] == ["three-brokers"]
    three = (REPO / "stack" / "docker" / "three-brokers.env").read_text()
    assert "REPLICATION_FACTOR=3" in three
    assert "MIN_INSYNC_REPLICAS=2" in three


def test_same_ports_as_the_local_stack(services: dict[str, Any]) -> None:
    ports = Ports()
    expected = {
        "postgres": {ports.postgres},
        "kafka-1": {ports.broker(1)},
        "kafka-2": {ports.broker(2)},
        "kafka-3": {ports.broker(3)},
        "schema-registry": {ports.registry},
        "nginx": {ports.nginx},
        "zipkin": {ports.zipkin},
        "backend": {ports.backend},
        "command-handler": {ports.command_handler_metrics},
        "heartbeat": {ports.heartbeat},
        "command-generator": {ports.command_generator_metrics},
    }
    for name, wanted in expected.items():
        assert _published(services[name]) == wanted, name


def test_kafka_is_the_version_of_the_local_stack(services: dict[str, Any]) -> None:
    for name in ("kafka-1", "kafka-2", "kafka-3"):
        assert services[name]["image"] == f"apache/kafka:{kafka_version()}"


def test_kafka_listeners_are_all_mutual_tls(services: dict[str, Any]) -> None:
    environment = services["kafka-1"]["environment"]
    protocols = environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    assert {entry.split(":")[1] for entry in protocols} == {"SSL"}
    assert environment["KAFKA_SSL_CLIENT_AUTH"] == "required"


def test_service_env_names_are_those_of_the_local_stack(
    services: dict[str, Any], tmp_path: Path
) -> None:
    layout = StackLayout.from_environ({"OPEN_BANK_RUN_DIR": str(tmp_path)})
    for role in SERVICE_DATABASES.values():
        ensure_password(layout.secrets_dir, role)
    ensure_company_token(layout.secrets_dir)
    for spec in SERVICES:
        environment = services[spec.name]["environment"]
        local = set(service_env(spec.env_name, layout))
        # The database URL and the company token are built at start from the generated
        # secrets (DATABASE_ROLE, COMPANY_TOKEN_FILE); compose runs no supervisord.
        built = {
            "OPEN_BANK_DATABASE_URL",
            "OPEN_BANK_COMPANY_TOKEN",
            "OPEN_BANK_BACKEND_SUPERVISOR_SOCKET",
        }
        assert local - built <= set(environment), spec.name
        if spec.env_name in SERVICE_DATABASES:
            assert environment["DATABASE_ROLE"] == SERVICE_DATABASES[spec.env_name]
        company_token_file = environment.get("COMPANY_TOKEN_FILE")
        if "OPEN_BANK_COMPANY_TOKEN" in local:
            assert company_token_file == "/init/secrets/company.token", spec.name
        else:
            assert company_token_file is None, spec.name
        certificate = environment["OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION"]
        assert certificate.endswith(f"/{spec.env_name}.pem")


def test_every_open_bank_variable_is_documented(services: dict[str, Any]) -> None:
    names = {
        key
        for service in services.values()
        for key in (service.get("environment") or {})
        if key.startswith("OPEN_BANK_")
    }
    assert names
    for name in names:
        assert f"`{name}`" in ARCHITECTURE, name


def test_commands_run_the_modules_of_the_architecture(services: dict[str, Any]) -> None:
    for spec in SERVICES:
        assert services[spec.name]["command"] == ["python", *spec.argv()]


def test_dockerfile_copies_every_python_package() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.MULTILINE))
    packages = {spec.module.split(".")[0] for spec in SERVICES} | {"topology", "stack"}
    assert packages <= copied


def test_every_long_running_service_is_restarted_by_docker(services: dict[str, Any]) -> None:
    # The local stack's supervisord restarts whatever dies; under Docker its restart policy.
    one_shots = {"init", *(spec.name for spec in SERVICES if spec.one_shot)}
    for name, service in services.items():
        wanted = "no" if name in one_shots else "unless-stopped"
        assert service.get("restart", "no") == wanted, name
