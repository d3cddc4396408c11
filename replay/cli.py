"""`./bank replay [--check-only]` and `./bank verify` on the stack of a layout.

Replay reads as the backend's principal (its groups are ``backend-*``; this one never joins
or commits) and writes as the backend's database role; verify reads the handler's database
as its role and the feedback and balance topics as the backend's principal.
"""

from __future__ import annotations

from typing import TextIO

import psycopg
from confluent_kafka.schema_registry import SchemaRegistryClient

from backend.settings import BackendSettings
from bench.stack_access import kafka_settings_from_env, registry_settings_from_env
from command_handler.settings import CommandHandlerSettings
from replay.rebuild import ReplayConfig, replay
from replay.verify import VerifyConfig, verify
from stack.env import service_env
from stack.layout import StackLayout
from stack.postgres import admin_conninfo, provision
from topology.clients import consumer_config, registry_config
from topology.serde import RecordSerde

__all__ = ["run_replay", "run_verify"]

_BACKEND_DATABASE = "backend"


def _backend_access(
    layout: StackLayout, client_id: str
) -> tuple[dict[str, object], SchemaRegistryClient]:
    """The backend principal's consumer config and a registry client (close it)."""
    env = service_env("backend", layout)
    config = consumer_config(
        kafka_settings_from_env(env), client_id=client_id, group_id=f"backend-{client_id}"
    )
    registry = SchemaRegistryClient(registry_config(registry_settings_from_env(env)))
    return dict(config), registry


def _ensure_backend_database(layout: StackLayout, out: TextIO) -> None:
    """Make the backend's database again (empty, owned by its role) if it was dropped."""
    with psycopg.connect(admin_conninfo(layout), autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (_BACKEND_DATABASE,)
        ).fetchone()
    if found is None:
        print(f"the database {_BACKEND_DATABASE!r} is gone: making it again, empty", file=out)
        provision(layout)


def _handler_database_url(layout: StackLayout) -> str:
    return service_env("command-handler", layout)["OPEN_BANK_DATABASE_URL"]


def run_replay(layout: StackLayout, *, check_only: bool, out: TextIO) -> int:
    """Exit code of `./bank replay`."""
    _ensure_backend_database(layout, out)
    kafka, registry = _backend_access(layout, "replay")
    with registry:
        return replay(
            ReplayConfig(
                kafka=kafka,
                serde=RecordSerde(registry),
                database_url=service_env("backend", layout)["OPEN_BANK_DATABASE_URL"],
                handler_database_url=_handler_database_url(layout),
                projector_group=BackendSettings.model_fields["projector_group_id"].default,
                check_only=check_only,
            ),
            out,
        )


def run_verify(layout: StackLayout, *, out: TextIO) -> int:
    """Exit code of `./bank verify`."""
    kafka, registry = _backend_access(layout, "verify")
    handler = CommandHandlerSettings.model_fields["group_id"].default
    # Only the handler's principal may read `commands`: assigned, never joined or committed.
    commands = consumer_config(
        kafka_settings_from_env(service_env("command-handler", layout)),
        client_id="command-handler-verify",
        group_id=handler,
    )
    with registry:
        return verify(
            VerifyConfig(
                kafka=kafka,
                commands_kafka=dict(commands),
                handler_group=handler,
                serde=RecordSerde(registry),
                handler_database_url=_handler_database_url(layout),
            ),
            out,
        )
