"""The stack's own backend and databases, as replay and verify see them."""

import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import Engine, create_engine, make_url, pool

from stack.layout import StackLayout


class Bank:
    """The running stack's backend over HTTP (what a client sees while replay works)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def post(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"http://{self.address}/graphql",
            json={"query": query, "variables": variables},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.post(query, **variables)
        assert "errors" not in body, body
        found: dict[str, Any] = body["data"]
        return found

    def open_account(self) -> dict[str, str]:
        created = self.data(
            'mutation ($u: String!) { create_account(username: $u, password: "pw") '
            "{ ... on Account { iban token } } }",
            u=f"replay-{uuid4()}",
        )
        account: dict[str, str] = created["create_account"]
        assert account.get("iban"), created
        return account

    def deposit(self, iban: str, cents: int) -> None:
        done = self.data(
            "mutation ($uuid: String!, $iban: String!, $amount: Long!) {"
            " deposit(uuid: $uuid, iban: $iban, amount: $amount) { __typename } }",
            uuid=str(uuid4()),
            iban=iban,
            amount=cents,
        )
        assert done["deposit"] == {"__typename": "TransferConfirmed"}, done

    def wait_for(self, check: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            assert time.monotonic() < deadline, f"{what} did not happen within {seconds:.0f} s"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def bank(service_env: Callable[[str], dict[str, str]]) -> Bank:
    port = service_env("backend")["OPEN_BANK_BACKEND_PORT"]
    return Bank(f"127.0.0.1:{port}")


@pytest.fixture(scope="module")
def superuser(admin_database_url: str) -> Callable[[str], Engine]:
    """An engine on one of the stack's databases as the superuser (to corrupt or drop)."""

    def engine(database: str) -> Engine:
        url = make_url(admin_database_url).set(database=database)
        return create_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")

    return engine


@pytest.fixture(scope="module")
def layout(stack_layout: StackLayout) -> StackLayout:
    return stack_layout
