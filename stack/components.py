"""The components of the stack, in start order, each with how to prepare, start and check it.

Kafka's nodes are in `stack.kafka_components`; `Component` and `StartGroup` in
`stack.component`.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from stack import downloads, postgres
from stack.downloads import require_tool
from stack.env import registry_url, service_env
from stack.health import http_ok, port_open
from stack.java import find_java
from stack.layout import StackLayout
from stack.nginx import build_frontend, nginx_argv, prepare_nginx, refresh_nginx
from stack.passwords import ensure_password
from stack.ports import LOOPBACK
from stack.services import available_services

__all__ = ["Component", "StartGroup", "base_environ", "plan"]

from stack.component import Component, StartGroup
from stack.kafka_components import kafka_components
from stack.zipkin import zipkin_component


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
        # SIGTERM would wait for every client to leave; SIGINT is the fast shutdown.
        stop_signal="INT",
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
            # A pooled connection is checked before use: after PostgreSQL restarts (crash,
            # supervisord) the pool would hand out dead ones for minutes.
            "quarkus.datasource.postgresql.jdbc.validate-on-borrow": "true",
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
    """The start order: postgres, kafka, registry, zipkin, nginx, then the services one by
    one."""
    groups = [
        StartGroup([_postgres_component(layout)]),
        StartGroup(kafka_components(layout, brokers)),
        StartGroup([_registry_component(layout)]),
        StartGroup([zipkin_component(layout)]),
        StartGroup([_nginx_component(layout)]),
    ]
    if services:
        groups += [StartGroup([component]) for component in _service_components(layout)]
    return groups


def base_environ() -> dict[str, str]:
    """The stack's own environment without `OPEN_BANK_*` (each component gets its own)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("OPEN_BANK_")}
