"""The HTTP edge: exact /graphql route, body size limit, client address."""

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from backend.api.asgi import graphql_routes
from backend.limits import BodySizeLimit
from tests.support.backend_memory import InMemoryBank


def client_for(bank: InMemoryBank) -> TestClient:
    app = Starlette(
        routes=graphql_routes(bank.schema, max_subscriptions=5),
        middleware=[Middleware(BodySizeLimit, max_bytes=1000)],
    )
    app.state.context = bank.context
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
