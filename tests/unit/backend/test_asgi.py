"""The HTTP edge: exact /graphql route, body size limit, client address."""

from typing import Any
from uuid import uuid4

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.testclient import TestClient

from backend.api.asgi import client_address, graphql_routes
from backend.limits import BodySizeLimit
from tests.support.backend_memory import InMemoryBank


def client_for(bank: InMemoryBank, proxy_secret: str | None = None) -> TestClient:
    app = Starlette(
        routes=graphql_routes(bank.schema, max_subscriptions=5),
        middleware=[Middleware(BodySizeLimit, max_bytes=1000)],
    )
    app.state.context = bank.context
    app.state.proxy_secret = proxy_secret
    return TestClient(app, base_url="http://127.0.0.1")


def test_post_graphql_answers_without_redirect(bank: InMemoryBank) -> None:
    with client_for(bank) as client:
        response = client.post("/graphql", json={"query": "{ __typename }"}, follow_redirects=False)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_oversized_bodies_are_refused_before_parsing(bank: InMemoryBank) -> None:
    with client_for(bank) as client:
        json = {"content-type": "application/json"}
        declared = client.post("/graphql", content=b"{" * 2000, headers=json)
        # No content-length (chunked): counted while it streams in.
        streamed = client.post("/graphql", content=iter([b"{" * 600, b"{" * 600]), headers=json)
    assert declared.status_code == 413
    assert streamed.status_code == 413


def test_graphiql_is_served_to_browsers(bank: InMemoryBank) -> None:
    with client_for(bank) as client:
        page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


def test_bodies_that_are_not_a_json_object_are_client_errors(bank: InMemoryBank) -> None:
    json = {"content-type": "application/json"}
    with client_for(bank) as client:
        answers = [
            client.post("/graphql", content=body, headers=json)
            for body in (b"0", b"null", b'"query"', b"\xff\xfe")
        ]
    assert [a.status_code for a in answers] == [400, 400, 400, 400]


def request_from(peer: str, headers: dict[str, str]) -> Request:
    encoded = [(name.encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "client": (peer, 50000), "headers": encoded})


def test_x_real_ip_is_believed_only_next_to_the_proxy_secret() -> None:
    nginx = {"x-real-ip": "203.0.113.9", "x-open-bank-proxy": "s3cret"}
    assert client_address(request_from("127.0.0.1", nginx), "s3cret") == "203.0.113.9"
    forged = {"x-real-ip": "203.0.113.9"}
    assert client_address(request_from("127.0.0.1", forged), "s3cret") == "127.0.0.1"
    guessed = {"x-real-ip": "203.0.113.9", "x-open-bank-proxy": "s3cre"}
    assert client_address(request_from("127.0.0.1", guessed), "s3cret") == "127.0.0.1"
    # Without a configured secret no header is believed, whoever the peer is.
    assert client_address(request_from("127.0.0.1", nginx), None) == "127.0.0.1"


DEPOSIT = """mutation ($uuid: String!, $iban: String!) {
  deposit(uuid: $uuid, iban: $iban, amount: 1000000) { __typename } }"""
CREATE = """mutation { create_account(username: "asgi", password: "pw") {
  ... on Account { iban } } }"""


def test_deposit_budgets_key_on_the_believed_address(bank: InMemoryBank) -> None:
    with client_for(bank, proxy_secret="s3cret") as client:
        iban = client.post("/graphql", json={"query": CREATE}).json()["data"]["create_account"]
        answers: list[dict[str, Any]] = []
        for _ in range(11):  # the default budget: ten deposits of €10.000,00 an hour
            variables = {"uuid": str(uuid4()), "iban": iban["iban"]}
            forged = {"x-real-ip": f"10.0.0.{len(answers)}"}
            body = {"query": DEPOSIT, "variables": variables}
            answers.append(client.post("/graphql", json=body, headers=forged).json())
        assert [a.get("errors") is None for a in answers] == [True] * 10 + [False]
        assert answers[-1]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        nginx = {"x-real-ip": "10.0.0.99", "x-open-bank-proxy": "s3cret"}
        body = {"query": DEPOSIT, "variables": {"uuid": str(uuid4()), "iban": iban["iban"]}}
        assert "errors" not in client.post("/graphql", json=body, headers=nginx).json()
