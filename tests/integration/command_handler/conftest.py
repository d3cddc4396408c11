"""Fixtures for the command handler's integration tests on the running local stack.

Each test gets its own throwaway database (created through the superuser's socket URL and
migrated), its own topics under a random prefix (created, their subjects registered, and
deleted afterwards) and its own consumer group, so it never touches the stack's own
handler, backend or data. Handlers run as real `python -m command_handler` processes
(`bench.handler_process`); `tests.support.handler_bank.Bank` talks to them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from bench.handler_process import HandlerProcess, free_port
from bench.private_topics import private_topics as created_topics
from bench.stack_access import kafka_settings_from_env, registry_client
from bench.throwaway_database import create_database, drop_database
from command_handler.storage.migrate import migrate
from command_handler.topics import HandlerTopics
from stack.env import service_env
from stack.layout import StackLayout
from stack.postgres import admin_database_url
from tests.support.company import company_test_secret
from tests.support.handler_bank import Bank
from topology.clients import admin_config
from topology.settings import KafkaSettings, RegistrySettings

_STACK_DOWN = "the local stack is not up: run ./bank up"


@dataclass(frozen=True)
class StackAccess:
    """How tests reach the stack: the tests principal's settings and the admin database."""

    kafka: KafkaSettings
    registry_url: str
    admin_database_url: str
    handler_env: dict[str, str]


@pytest.fixture(scope="session")
def stack_access() -> StackAccess:
    """The shared stack, or a one-line failure telling how to start it."""
    layout = StackLayout.from_environ()
    try:
        tests_env = service_env("tests", layout)
        handler_env = service_env("command-handler", layout)
    except Exception as exc:  # noqa: BLE001 - any failure to read the stack means "down"
        pytest.fail(f"{_STACK_DOWN} ({exc})", pytrace=False)
    admin_url = admin_database_url(layout)
    probe = sa.create_engine(admin_url, connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            pass
    except sa.exc.OperationalError as exc:
        pytest.fail(f"{_STACK_DOWN} (postgresql: {exc})", pytrace=False)
    finally:
        probe.dispose()
    kafka = kafka_settings_from_env(tests_env)
    admin = AdminClient(admin_config(kafka, client_id="tests-command-handler"))
    try:
        admin.list_topics(timeout=5)
    except KafkaException as exc:
        pytest.fail(f"{_STACK_DOWN} (kafka: {exc})", pytrace=False)
    # The handler under test uses private topics, groups and transactional ids, which only
    # the `tests` principal may use (docs/security.md): give it the tests certificate.
    for name in ("OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION", "OPEN_BANK_KAFKA_SSL_KEY_LOCATION"):
        handler_env[name] = tests_env[name]
    return StackAccess(
        kafka=kafka,
        registry_url=tests_env["OPEN_BANK_SCHEMA_REGISTRY_URL"],
        admin_database_url=admin_url,
        handler_env=handler_env,
    )


@pytest.fixture
def throwaway_database(stack_access: StackAccess) -> Iterator[str]:
    """A fresh, migrated database (SQLAlchemy URL), dropped after the test. Its company
    account has the test token (`tests.support.company`), not the stack's."""
    url = create_database(stack_access.admin_database_url, "ch_test")
    migrate(url, company_test_secret())
    yield url
    drop_database(stack_access.admin_database_url, url)


@pytest.fixture
def private_topics(stack_access: StackAccess) -> Iterator[HandlerTopics]:
    """The handler's topics under a random prefix, created with their schemas registered."""
    topics = HandlerTopics.with_prefix(f"t{uuid.uuid4().hex[:10]}-")
    registry = RegistrySettings(url=stack_access.registry_url)
    with created_topics(stack_access.kafka, registry, topics.all, "tests-command-handler"):
        yield topics


@pytest.fixture
def bank(stack_access: StackAccess, private_topics: HandlerTopics) -> Iterator[Bank]:
    """A client sending commands to the private topics and reading the answers."""
    client = Bank(stack_access.kafka, registry_client(stack_access.registry_url), private_topics)
    yield client
    client.close()


@pytest.fixture
def start_handler(
    stack_access: StackAccess,
    throwaway_database: str,
    private_topics: HandlerTopics,
    tmp_path: Path,
) -> Iterator[Callable[..., HandlerProcess]]:
    """Start handler instances (each its own name) sharing one private consumer group."""
    group = f"ch-test-{uuid.uuid4().hex[:8]}"
    prefix = private_topics.commands.name.removesuffix("commands")
    started: list[HandlerProcess] = []

    def start(instance: str = "a", **extra_env: str) -> HandlerProcess:
        env = {
            **stack_access.handler_env,
            "OPEN_BANK_DATABASE_URL": throwaway_database,
            "OPEN_BANK_COMMAND_HANDLER_TOPIC_PREFIX": prefix,
            "OPEN_BANK_COMMAND_HANDLER_GROUP_ID": group,
            "OPEN_BANK_COMMAND_HANDLER_INSTANCE": f"{group}-{instance}",
            "OPEN_BANK_COMMAND_HANDLER_METRICS_PORT": str(free_port()),
            **extra_env,
        }
        handler = HandlerProcess(env, tmp_path / f"handler-{instance}.log").start()
        started.append(handler)
        return handler

    yield start
    for handler in started:
        if handler.running():
            handler.kill()
