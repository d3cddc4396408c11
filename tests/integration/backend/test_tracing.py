"""A deposit sent over HTTP through nginx with a `traceparent` can be looked up in the
stack's Zipkin, as one trace with the API's span, the handler's and the API's delivery."""

from __future__ import annotations

import secrets
import time
from typing import Any
from uuid import uuid4

import httpx

from stack.layout import StackLayout
from stack.ports import LOOPBACK

CREATE = """
mutation ($u: String!) {
  create_account(username: $u, password: "tracing-password") {
    __typename ... on Account { iban }
  }
}"""
DEPOSIT = """
mutation ($uuid: String!, $iban: String!) {
  deposit(uuid: $uuid, iban: $iban, amount: 1000) { __typename }
}"""
# Spans are exported about once a second by each service.
_WAIT_S = 20.0


def _post(url: str, query: str, headers: dict[str, str] | None = None, **variables: Any) -> Any:
    response = httpx.post(
        url, json={"query": query, "variables": variables}, headers=headers, timeout=15
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def _trace(zipkin: str, trace_id: str, wanted: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """The trace's spans once every (service, span name prefix) in `wanted` is there."""
    deadline = time.monotonic() + _WAIT_S
    spans: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        response = httpx.get(f"{zipkin}/api/v2/trace/{trace_id}", timeout=5)
        if response.status_code == 200:
            spans = response.json()
            if all(any(_is(span, *w) for span in spans) for w in wanted):
                return spans
        time.sleep(0.5)
    seen = sorted({(s["localEndpoint"]["serviceName"], s.get("name", "")) for s in spans})
    raise AssertionError(f"trace {trace_id} lacks some of {sorted(wanted)}; it has {seen}")


def _is(span: dict[str, Any], service: str, name: str) -> bool:
    return bool(
        span["localEndpoint"]["serviceName"] == service and span.get("name", "").startswith(name)
    )


def test_a_traced_deposit_through_nginx_is_one_trace_in_zipkin(stack_layout: StackLayout) -> None:
    graphql = f"http://{LOOPBACK}:{stack_layout.ports.nginx}/graphql"
    zipkin = f"http://{LOOPBACK}:{stack_layout.ports.zipkin}"
    account = _post(graphql, CREATE, u=f"tracing-{uuid4().hex[:12]}")["create_account"]
    assert account["__typename"] == "Account", account

    trace_id = secrets.token_hex(16)
    caller_span = secrets.token_hex(8)
    traceparent = f"00-{trace_id}-{caller_span}-01"
    deposit = _post(
        graphql, DEPOSIT, {"traceparent": traceparent}, uuid=str(uuid4()), iban=account["iban"]
    )
    assert deposit["deposit"]["__typename"] == "TransferConfirmed"

    spans = _trace(
        zipkin,
        trace_id,
        {
            ("backend", "post"),
            ("backend", "send confirmmoneytransfer"),
            ("command-handler", "decide confirmmoneytransfer"),
            # Its BalanceChanged is delivered only where someone watches the account.
            ("backend", "deliver moneytransferconfirmed"),
        },
    )
    by_id = {span["id"]: span for span in spans}
    server = next(s for s in spans if _is(s, "backend", "post"))
    sent = next(s for s in spans if _is(s, "backend", "send"))
    decided = next(s for s in spans if _is(s, "command-handler", "decide"))
    delivered = next(s for s in spans if _is(s, "backend", "deliver moneytransferconfirmed"))
    # One chain: the caller's span → the API → the command → the handler → the answer.
    assert server["parentId"] == caller_span
    assert by_id[sent["parentId"]]["localEndpoint"]["serviceName"] == "backend"
    assert decided["parentId"] == sent["id"]
    assert delivered["parentId"] == decided["id"]
    assert decided["timestamp"] >= sent["timestamp"]
    assert delivered["timestamp"] >= decided["timestamp"]


def test_an_unsampled_traceparent_leaves_no_trace(stack_layout: StackLayout) -> None:
    graphql = f"http://{LOOPBACK}:{stack_layout.ports.nginx}/graphql"
    zipkin = f"http://{LOOPBACK}:{stack_layout.ports.zipkin}"
    account = _post(graphql, CREATE, u=f"untraced-{uuid4().hex[:12]}")["create_account"]
    trace_id = secrets.token_hex(16)
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-00"}
    _post(graphql, DEPOSIT, headers, uuid=str(uuid4()), iban=account["iban"])
    time.sleep(3)  # longer than the services' export delay
    assert httpx.get(f"{zipkin}/api/v2/trace/{trace_id}", timeout=5).status_code == 404
