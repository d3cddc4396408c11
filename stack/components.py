"""The components of the stack, in start order, each with how to prepare, start and check it.

A `Component` is data plus small callables; `stack.lifecycle` walks them. Components in one
`StartGroup` are started together and then awaited together: the three nodes of a KRaft
cluster only become healthy once a majority of controllers runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from base64 import urlsafe_b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from stack import downloads, postgres
from stack.downloads import require_tool
from stack.env import registry_url, service_env
from stack.errors import StackError
from stack.health import http_ok, kafka_metadata_ok, port_open
from stack.java import find_java
from stack.kafka_config import KafkaNode, render_log4j2, render_server_properties
from stack.layout import StackLayout
from stack.nginx import build_frontend, nginx_argv, prepare_nginx, refresh_nginx
from stack.passwords import ensure_password
from stack.ports import LOOPBACK
from stack.services import available_services

__all__ = ["Component", "StartGroup", "base_environ", "plan"]


@dataclass
class Component:
    """One process of the stack."""

    name: str
    ports: tuple[int, ...]
    # Install/format/render what it needs; returns the command line to start it with.
    prepare: Callable[[TextIO], list[str]]
    healthy: Callable[[], bool]
    ready_timeout_s: float
    cwd: Path
    extra_env: Callable[[], dict[str, str]] = dict
    user: str | None = None
    # Runs after every `up` once healthy (idempotent), e.g. creating roles and databases.
    after_ready: Callable[[], None] | None = None
    # A one-shot program runs to completion (exit 0) instead of staying up.
    one_shot: bool = False
    fix_hint: str = "read the log"
    # Services started before a one-shot need it to have run; see lifecycle.
    is_service: bool = False
    # For a component that already runs: bring it up to date (pid of its leader); True if
    # that changed something (nginx: a rebuilt UI or a new configuration, then a reload).
    refresh: Callable[[int, TextIO], bool] | None = None


@dataclass
class StartGroup:
    """Components started together, then awaited together."""

    components: list[Component] = field(default_factory=list)


def _kafka_uuid() -> str:
    """Kafka's Uuid.toString(): URL-safe base64 of 16 bytes without padding. Like Kafka's
    own Uuid.randomUuid(), never one that starts with `-`: `kafka-storage format -t <id>`
    takes such an id for an option and refuses to format (one fresh stack in 64)."""
    while True:
        text = urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _kafka_components(layout: StackLayout, brokers: int) -> list[Component]:
    cluster_dir = layout.kafka_dir / f"{brokers}-broker{'s' if brokers > 1 else ''}"
    cluster_id_file = cluster_dir / "cluster-id"

    def cluster_id() -> str:
        cluster_dir.mkdir(parents=True, exist_ok=True)
        if not cluster_id_file.exists():
            cluster_id_file.write_text(_kafka_uuid() + "\n")
        return cluster_id_file.read_text().strip()

    def directory_ids() -> dict[int, str]:
        # Fixed per cluster so every node is formatted with the same initial voter set.
        path = cluster_dir / "directory-ids"
        if not path.exists():
            path.write_text("\n".join(_kafka_uuid() for _ in range(brokers)) + "\n")
        ids = path.read_text().split()
        return {node: ids[node - 1] for node in range(1, brokers + 1)}

    components = []
    for node_id in range(1, brokers + 1):
        node = KafkaNode(
            node_id, brokers, cluster_dir / f"node-{node_id}" / "data", layout.certs_dir
        )
        components.append(_kafka_component(layout, node, cluster_id, directory_ids))
    return components


def _kafka_component(
    layout: StackLayout,
    node: KafkaNode,
    cluster_id: Callable[[], str],
    directory_ids: Callable[[], dict[int, str]],
) -> Component:
    node_dir = node.data_dir.parent
    properties = node_dir / "server.properties"
    log4j = node_dir / "log4j2.properties"
    name = node.name

    def prepare(out: TextIO) -> list[str]:
        java = require_tool("java", "openjdk-17-jre-headless")
        libs = downloads.ensure_kafka_libs(layout, out)
        node_dir.mkdir(parents=True, exist_ok=True)
        properties.write_text(render_server_properties(node, layout.ports))
        log4j.write_text(render_log4j2())
        classpath = f"{libs}/*"
        logging = f"-Dlog4j2.configurationFile={log4j}"
        if not (node.data_dir / "meta.properties").exists():
            _format_storage(layout, node, java, classpath, logging, cluster_id(), directory_ids())
        return [
            java,
            "-Xms256m",
            "-Xmx512m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            logging,
            "-cp",
            classpath,
            "kafka.Kafka",
            str(properties),
        ]

    port = layout.ports.broker(node.node_id)
    return Component(
        name=name,
        ports=(port, layout.ports.controller(node.node_id)),
        prepare=prepare,
        healthy=lambda: kafka_metadata_ok(port, node.node_id, layout.certs_dir, name),
        # Bounded but generous: on two busy cores a cold JVM has taken two minutes to answer.
        ready_timeout_s=180.0,
        cwd=node_dir,
        # Once per cluster, before the synchronizer and the services need their ACLs.
        after_ready=(lambda: _apply_acls(layout, node.brokers)) if node.node_id == 1 else None,
        fix_hint="read the log (a changed --brokers needs ./bank down first)",
    )


def _apply_acls(layout: StackLayout, brokers: int) -> None:
    """Make the cluster's ACLs exactly `stack.acls.acl_plan()` (idempotent)."""
    from confluent_kafka import KafkaException

    from stack.acls import apply_acls, is_authorizer_missing

    try:
        changes = apply_acls(layout.ports.bootstrap_servers(brokers), layout.certs_dir)
    except KafkaException as exc:
        if is_authorizer_missing(exc):
            # Brokers started by an older version of this code: they allow everything until
            # restarted with the authorizer (./bank down && ./bank up).
            sys.stderr.write("kafka runs without its authorizer: restart it to enforce ACLs\n")
            return
        raise StackError(
            f"setting Kafka's ACLs failed: {exc}",
            "read the log of kafka-1, then ./bank up again",
            layout.log_file("kafka-1"),
        ) from exc
    if changes.created or changes.deleted:
        sys.stderr.write(
            f"kafka ACLs: {len(changes.created)} created, {len(changes.deleted)} deleted\n"
        )


def _format_storage(
    layout: StackLayout,
    node: KafkaNode,
    java: str,
    classpath: str,
    logging: str,
    cluster_id: str,
    directory_ids: dict[int, str],
) -> None:
    """`StorageTool format`: `--standalone` for one node, the fixed voter set for three."""
    argv = [java, logging, "-cp", classpath, "kafka.tools.StorageTool", "format"]
    argv += ["-t", cluster_id, "-c", str(node.data_dir.parent / "server.properties")]
    if node.brokers == 1:
        argv.append("--standalone")
    else:
        voters = ",".join(
            f"{other}@{LOOPBACK}:{layout.ports.controller(other)}:{directory_ids[other]}"
            for other in range(1, node.brokers + 1)
        )
        argv += ["--initial-controllers", voters]
    log = layout.log_file(node.name)
    layout.logs_dir.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise StackError(
            f"formatting the storage of {node.name} failed",
            f"read the log, remove {node.data_dir} and run ./bank up again",
            log,
        )


def _postgres_component(layout: StackLayout) -> Component:
    def prepare(out: TextIO) -> list[str]:
        install = postgres.find_postgres()
        if postgres.ensure_cluster(layout, install):
            out.write(f"created PostgreSQL cluster in {layout.postgres_dir / 'data'}\n")
        return postgres.postgres_argv(layout, install)

    def healthy() -> bool:
        try:
            import psycopg

            with psycopg.connect(postgres.admin_conninfo(layout), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    return Component(
        name="postgres",
        ports=(layout.ports.postgres,),
        prepare=prepare,
        healthy=healthy,
        ready_timeout_s=120.0,
        cwd=layout.postgres_dir,
        user=postgres.run_as_user(),
        after_ready=lambda: postgres.provision(layout),
    )


def _registry_component(layout: StackLayout) -> Component:
    registry_dir = layout.run_dir / "registry"

    def prepare(out: TextIO) -> list[str]:
        java = find_java(21, f"Apicurio Registry {downloads.REGISTRY_VERSION}")
        app = downloads.ensure_registry(layout, out)
        registry_dir.mkdir(parents=True, exist_ok=True)
        settings = {
            "quarkus.http.host": LOOPBACK,
            "quarkus.http.port": str(layout.ports.registry),
            "quarkus.management.host": LOOPBACK,
            "quarkus.management.port": str(layout.ports.registry_management),
            "apicurio.storage.kind": "sql",
            "apicurio.storage.sql.kind": "postgresql",
            "apicurio.datasource.url": (
                f"jdbc:postgresql://{LOOPBACK}:{layout.ports.postgres}/registry"
            ),
            "apicurio.datasource.username": "registry",
            # Confluent's default; Apicurio's own is NONE.
            "apicurio.rules.global.compatibility": "BACKWARD",
            "quarkus.log.console.color": "false",
        }
        return [
            java,
            "-Xms64m",
            "-Xmx384m",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            *(f"-D{key}={value}" for key, value in settings.items()),
            "-jar",
            str(app / "quarkus-run.jar"),
        ]

    def extra_env() -> dict[str, str]:
        # The password goes by environment, never on the command line (`ps` shows that).
        return {"APICURIO_DATASOURCE_PASSWORD": ensure_password(layout.secrets_dir, "registry")}

    return Component(
        name="registry",
        ports=(layout.ports.registry, layout.ports.registry_management),
        prepare=prepare,
        healthy=lambda: http_ok(f"{registry_url(layout)}/subjects"),
        ready_timeout_s=240.0,
        cwd=registry_dir,
        extra_env=extra_env,
    )


def _nginx_component(layout: StackLayout) -> Component:
    def prepare(out: TextIO) -> list[str]:
        nginx = require_tool("nginx", "nginx")
        build_frontend(layout, out)
        config = prepare_nginx(layout)
        return nginx_argv(nginx, layout, config)

    return Component(
        name="nginx",
        ports=(layout.ports.nginx,),
        prepare=prepare,
        healthy=lambda: http_ok(f"http://{LOOPBACK}:{layout.ports.nginx}/"),
        ready_timeout_s=30.0,
        cwd=layout.nginx_dir,
        refresh=lambda pid, out: refresh_nginx(layout, pid, out),
    )


def _service_components(layout: StackLayout) -> list[Component]:
    components = []
    for spec in available_services(layout.repo_dir):
        port = spec.port(layout.ports)

        def prepare(out: TextIO, argv: tuple[str, ...] = spec.argv()) -> list[str]:
            return [sys.executable, *argv]

        def healthy(port: int | None = port) -> bool:
            return port is None or port_open(port)

        def extra_env(name: str = spec.env_name) -> dict[str, str]:
            return service_env(name, layout)

        components.append(
            Component(
                name=spec.name,
                ports=() if port is None else (port,),
                prepare=prepare,
                healthy=healthy,
                ready_timeout_s=180.0 if spec.one_shot else 120.0,
                cwd=layout.repo_dir,
                extra_env=extra_env,
                one_shot=spec.one_shot,
                is_service=True,
            )
        )
    return components


def plan(layout: StackLayout, brokers: int, *, services: bool) -> list[StartGroup]:
    """The start order: postgres, kafka, registry, nginx, then the services one by one."""
    groups = [
        StartGroup([_postgres_component(layout)]),
        StartGroup(_kafka_components(layout, brokers)),
        StartGroup([_registry_component(layout)]),
        StartGroup([_nginx_component(layout)]),
    ]
    if services:
        groups += [StartGroup([component]) for component in _service_components(layout)]
    return groups


def base_environ() -> dict[str, str]:
    """The stack's own environment without `OPEN_BANK_*` (each component gets its own)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("OPEN_BANK_")}
