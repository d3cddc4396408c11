"""HTTP side of the API: exact /graphql route, GraphiQL, mutations, health and metrics."""

import time
from typing import Any
from uuid import uuid4

import httpx
import pytest

pytestmark = pytest.mark.integration

CREATE = """
mutation ($u: String!) {
  create_account(username: $u, password: "pw") {
    __typename ... on Account { iban token } ... on AccountRefused { reason }
  }
}"""
LOGIN = CREATE.replace("create_account", "login")
DEPOSIT = """
mutation ($uuid: String!, $iban: String!) {
  deposit(uuid: $uuid, iban: $iban, amount: "2500000000") {
    __typename ... on TransferRefused { reason }
  }
}"""
TRANSFER = """
mutation ($uuid: String!, $token: String!, $from: String!) {
  transfer_money(uuid: $uuid, token: $token, amount: 1, from: $from, to: $from, descr: "x") {
    __typename ... on TransferRefused { uuid reason }
  }
}"""
PAGE = """
query ($iban: String!) {
  transactions(iban: $iban, first: 1) {
    items { new_balance_cents changed_by_cents } has_more next_before
  }
}"""


def post(address: str, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(
        f"http://{address}/graphql",
        json={"query": query, "variables": variables},
        timeout=10,
        follow_redirects=False,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_mutations_return_results_as_values(backend_address: str, handler_answers: None) -> None:
    user = f"it-{uuid4()}"
    created = post(backend_address, CREATE, u=user)["data"]["create_account"]
    assert created["__typename"] == "Account"
    assert post(backend_address, LOGIN, u=user)["data"]["login"] == created
    taken = post(backend_address, CREATE, u=user)["data"]["create_account"]
    assert taken == {"__typename": "AccountRefused", "reason": "username already taken"}

    deposit = post(backend_address, DEPOSIT, uuid=str(uuid4()), iban=created["iban"])
    assert deposit["data"]["deposit"] == {"__typename": "TransferConfirmed"}
    same = post(
        backend_address,
        TRANSFER,
        uuid=str(uuid4()),
        token=created["token"],
        **{"from": created["iban"]},
    )
    assert same["data"]["transfer_money"]["reason"] == "from and to can't be same for transfer"

    # The projector writes in batches, later still while the group rebalances (see
    # test_websocket_flow.assert_queries_return): up to 20 s.
    for _ in range(200):
        page = post(backend_address, PAGE, iban=created["iban"])["data"]["transactions"]
        if page["items"]:
            break
        time.sleep(0.1)
    # 2.5 billion euro cents: beyond GraphQL's 32-bit Int, exact in Long.
    assert page == {
        "items": [{"new_balance_cents": 2_500_000_000, "changed_by_cents": 2_500_000_000}],
        "has_more": False,
        "next_before": None,
    }


def test_graphql_route_is_exact_and_serves_graphiql(backend_address: str) -> None:
    page = httpx.get(f"http://{backend_address}/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    answer = post(backend_address, "{ __typename }")
    assert answer == {"data": {"__typename": "Query"}}


def test_validation_errors_name_the_argument_over_http(backend_address: str) -> None:
    answer = post(backend_address, DEPOSIT.replace('"250000000000"', "0"), uuid="x", iban="y")
    assert answer["errors"][0]["extensions"]["argument"] == "uuid"


def test_limits_refuse_costly_and_huge_documents(backend_address: str) -> None:
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(20)) + " }"
    assert "aliases" in post(backend_address, aliases)["errors"][0]["message"]
    tokens = "{ " + " ".join("__typename" for _ in range(2_100)) + " }"
    assert "2000 tokens" in post(backend_address, tokens)["errors"][0]["message"]
    huge = httpx.post(f"http://{backend_address}/graphql", content=b"x" * 100_000, timeout=10)
    assert huge.status_code == 413


def test_healthz_and_metrics(backend_address: str) -> None:
    health = httpx.get(f"http://{backend_address}/healthz", timeout=10)
    assert health.json() == {
        "status": "ok",
        "checks": {"kafka": "ok", "registry": "ok", "database": "ok"},
    }
    metrics = httpx.get(f"http://{backend_address}/metrics", timeout=10).text
    assert "backend_result_latency_seconds" in metrics
    assert "backend_projected_rows" in metrics
