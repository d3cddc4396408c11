"""Fixtures every test tier may use to reach the real local stack (see docs/architecture.md).

They are generic on purpose: package-specific fixtures live in the packages' own test
folders. A test that asks for any of them while the stack is down fails with one line,
`the stack is not running: start it with ./bank up`, instead of a trace from deep inside a
client library. `OPEN_BANK_RUN_DIR` and `OPEN_BANK_PORT_OFFSET` select another stack.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stack.env import registry_url as stack_registry_url
from stack.env import service_env as stack_service_env
from stack.health import http_ok, kafka_metadata_ok, port_open
from stack.layout import StackLayout
from stack.postgres import admin_database_url as stack_admin_database_url

NOT_RUNNING = "the stack is not running: start it with ./bank up"


def stack_down_reason(layout: StackLayout) -> str | None:
    """Which part of the stack does not answer, or None when all of it does."""
    if not port_open(layout.ports.postgres):
        return "postgres"
    if not (layout.certs_dir / "tests.pem").exists():
        return "certificates"
    if not kafka_metadata_ok(layout.ports.broker(1), 1, layout.certs_dir, "tests"):
        return "kafka"
    if not http_ok(f"{stack_registry_url(layout)}/subjects"):
        return "registry"
    return None


@pytest.fixture(scope="session")
def stack_layout() -> StackLayout:
    """The folders and ports of the stack the tests run against."""
    return StackLayout.from_environ()


@pytest.fixture(scope="session")
def stack_env(stack_layout: StackLayout) -> dict[str, str]:
    """The environment of the `tests` principal; fails in one line if the stack is down."""
    reason = stack_down_reason(stack_layout)
    if reason is not None:
        pytest.fail(f"{NOT_RUNNING} ({reason} does not answer)", pytrace=False)
    return stack_service_env("tests", stack_layout)


@pytest.fixture(scope="session")
def service_env(
    stack_env: dict[str, str], stack_layout: StackLayout
) -> Callable[[str], dict[str, str]]:
    """`service_env("backend")`: the environment the stack starts that service with."""
    return lambda name: stack_service_env(name, stack_layout)


@pytest.fixture(scope="session")
def kafka_config(stack_env: dict[str, str]) -> dict[str, str | int | float | bool]:
    """confluent-kafka settings for the `tests` principal: bootstrap servers and mutual TLS."""
    return {
        "bootstrap.servers": stack_env["OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS"],
        "security.protocol": stack_env["OPEN_BANK_KAFKA_SECURITY_PROTOCOL"],
        "ssl.ca.location": stack_env["OPEN_BANK_KAFKA_SSL_CA_LOCATION"],
        "ssl.certificate.location": stack_env["OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION"],
        "ssl.key.location": stack_env["OPEN_BANK_KAFKA_SSL_KEY_LOCATION"],
    }


@pytest.fixture(scope="session")
def registry_url(stack_env: dict[str, str]) -> str:
    """The registry's Confluent-compatible API, without a trailing slash."""
    return stack_env["OPEN_BANK_SCHEMA_REGISTRY_URL"]


@pytest.fixture(scope="session")
def admin_database_url(stack_env: dict[str, str], stack_layout: StackLayout) -> str:
    """A superuser SQLAlchemy URL (unix socket in the run folder) for throwaway databases.

    Only for tests that create and drop their own databases: `CREATE DATABASE test_<uuid>`,
    then connect with the same URL and another database name. No app ever gets it.
    """
    return stack_admin_database_url(stack_layout)


@pytest.fixture(scope="session")
def typed_passwords() -> set[str]:
    """The passwords the tests typed into the bank; the log check looks for each of them."""
    return set()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `last` run after all others: they check what the whole run left behind."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)
