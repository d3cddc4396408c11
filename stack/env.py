"""The environment of each program of the bank: the one the stack starts it with.

`service_env(name)` is also what tests and people use (`python -m stack env backend` prints it
as `export` lines) so that a program run by hand talks to the same stack, with its own
certificate and database role. Names and meanings are in docs/architecture.md.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from stack.certs import CLIENT_PRINCIPALS
from stack.errors import StackError
from stack.kafka_config import KafkaNode
from stack.layout import StackLayout
from stack.nginx import NGINX_PROXY_ROLE
from stack.passwords import password_file, read_company_token, read_password
from stack.ports import LOOPBACK
from stack.state import read_state
from stack.supervision import supervisor_paths
from stack.zipkin import zipkin_spans_url

__all__ = [
    "COMPANY_TOKEN_HOLDERS",
    "SERVICE_DATABASES",
    "check_tracing_knobs",
    "registry_url",
    "service_env",
]

# stack name → the database (and role of the same name) it owns.
SERVICE_DATABASES = {"command-handler": "command_handler", "backend": "backend"}
# Who gets the company account's token: the handler's environment, for its migration step
# (which stores it), and the command generator (which pays salaries from the account).
COMPANY_TOKEN_HOLDERS = ("command-handler", "command-generator")
# Tracing knobs set for the whole stack by whoever runs `up` (docs/tracing.md): passed on.
TRACING_KNOBS = ("OPEN_BANK_TRACING_ENABLED", "OPEN_BANK_TRACING_BACKGROUND_RATIO")


def check_tracing_knobs() -> None:
    """Refuse a tracing knob every service would refuse at its start: passed on, it would
    restart each of them into a crash loop."""
    from pydantic import ValidationError

    from topology.tracing import TracingSettings

    try:
        TracingSettings()
    except ValidationError as error:
        first = error.errors()[0]
        name = f"OPEN_BANK_TRACING_{str(first['loc'][0]).upper()}"
        raise StackError(
            f"{name}={os.environ.get(name, '')!r}: {first['msg']}",
            f"unset {name} or give it a valid value (docs/tracing.md, Sampling)",
        ) from error


def registry_url(layout: StackLayout) -> str:
    """The Confluent-compatible API of the registry, without a trailing slash."""
    return f"http://{LOOPBACK}:{layout.ports.registry}/apis/ccompat/v7"


def service_env(name: str, layout: StackLayout | None = None) -> dict[str, str]:
    """The `OPEN_BANK_*` variables of program `name` (a principal of docs/architecture.md)."""
    if name not in CLIENT_PRINCIPALS:
        raise StackError(
            f"unknown service {name!r}",
            f"use one of: {', '.join(CLIENT_PRINCIPALS)}",
        )
    where = layout or StackLayout.from_environ()
    brokers = read_state(where).brokers
    node = KafkaNode(1, brokers, where.kafka_dir, where.certs_dir)
    certs = where.certs_dir
    ports = where.ports
    env = {
        "OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS": ports.bootstrap_servers(brokers),
        "OPEN_BANK_KAFKA_SECURITY_PROTOCOL": "SSL",
        "OPEN_BANK_KAFKA_SSL_CA_LOCATION": str(certs / "ca.pem"),
        "OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION": str(certs / f"{name}.pem"),
        "OPEN_BANK_KAFKA_SSL_KEY_LOCATION": str(certs / f"{name}.key"),
        "OPEN_BANK_KAFKA_REPLICATION_FACTOR": str(node.replication_factor),
        "OPEN_BANK_KAFKA_MIN_INSYNC_REPLICAS": str(node.min_insync_replicas),
        "OPEN_BANK_SCHEMA_REGISTRY_URL": registry_url(where),
        "OPEN_BANK_LOG_LEVEL": "INFO",
        "OPEN_BANK_BACKEND_PORT": str(ports.backend),
        "OPEN_BANK_COMMAND_HANDLER_METRICS_PORT": str(ports.command_handler_metrics),
        "OPEN_BANK_HEARTBEAT_PORT": str(ports.heartbeat),
        "OPEN_BANK_COMMAND_GENERATOR_METRICS_PORT": str(ports.command_generator_metrics),
        "OPEN_BANK_WEB_URL": f"http://{LOOPBACK}:{ports.nginx}/",
        "OPEN_BANK_TRACING_ZIPKIN_URL": zipkin_spans_url(where),
    }
    env.update({knob: os.environ[knob] for knob in TRACING_KNOBS if knob in os.environ})
    if name == "backend":
        # A path, not the secret: the backend reads it at start.
        env["OPEN_BANK_BACKEND_PROXY_SECRET_FILE"] = str(
            password_file(where.secrets_dir, NGINX_PROXY_ROLE)
        )
        # The dashboard reads each component's CPU and RSS by the pids supervisord names.
        env["OPEN_BANK_BACKEND_SUPERVISOR_SOCKET"] = str(supervisor_paths(where).socket)
        # The stack runs one backend: a static member of the projector's group, so that a
        # restart after a power cut does not wait for its dead predecessor (docs/backend.md).
        env["OPEN_BANK_BACKEND_PROJECTOR_INSTANCE"] = "0"
    if name == "command-generator":
        # One generator too: the same, so that load resumes at once after a restart.
        env["OPEN_BANK_COMMAND_GENERATOR_INSTANCE"] = "0"
    database = SERVICE_DATABASES.get(name)
    if database is not None:
        password = quote(read_password(where.secrets_dir, database), safe="")
        env["OPEN_BANK_DATABASE_URL"] = (
            f"postgresql+psycopg://{database}:{password}@{LOOPBACK}:{ports.postgres}/{database}"
        )
    if name in COMPANY_TOKEN_HOLDERS:
        env["OPEN_BANK_COMPANY_TOKEN"] = read_company_token(where.secrets_dir)
    return env
