"""The edge as a browser or an attacker on the network sees it, on the running stack.

nginx: security headers and no version on every answer, an oversized body refused before the
backend, the registry's API not reachable through it. Every stack port listens on loopback
only, so nothing (the registry's admin API included) is reachable from another machine.
"""

from __future__ import annotations

import json

import httpx
import psutil
import pytest

from stack.layout import StackLayout

pytestmark = pytest.mark.integration

_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@pytest.fixture
def web_url(stack_env: dict[str, str]) -> str:
    return stack_env["OPEN_BANK_WEB_URL"].rstrip("/")


@pytest.mark.parametrize("path", ["/", "/graphql?query=%7B__typename%7D", "/no-such-page"])
def test_every_answer_has_security_headers_and_no_server_version(web_url: str, path: str) -> None:
    response = httpx.get(f"{web_url}{path}", timeout=10)
    assert response.status_code < 500
    assert response.headers["server"] == "nginx"  # no version
    for name, value in _HEADERS.items():
        assert response.headers[name] == value, name
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_an_oversized_body_is_refused_by_nginx(web_url: str) -> None:
    body = json.dumps({"query": "{ __typename }", "padding": "a" * 200_000})
    response = httpx.post(
        f"{web_url}/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_the_registry_api_is_not_proxied(web_url: str) -> None:
    for path in ("/apis/ccompat/v7/subjects", "/apis/registry/v3/admin/config/properties"):
        response = httpx.get(f"{web_url}{path}", timeout=10)
        # The single-page app's fallback page, never the registry's JSON.
        assert "application/json" not in response.headers.get("content-type", ""), path


def test_every_stack_port_listens_on_loopback_only(stack_layout: StackLayout) -> None:
    ports = stack_layout.ports
    wanted = {
        ports.postgres,
        ports.broker(1),
        ports.controller(1),
        ports.registry,
        ports.registry_management,
        ports.nginx,
        ports.backend,
    }
    listening: dict[int, str] = {}
    for conn in psutil.net_connections(kind="tcp"):
        local = conn.laddr
        if conn.status == psutil.CONN_LISTEN and local and local.port in wanted:
            listening[local.port] = local.ip
    assert set(listening) == wanted, f"not listening: {wanted - set(listening)}"
    for port, address in listening.items():
        assert address in {"127.0.0.1", "::ffff:127.0.0.1", "::1"}, f"port {port} on {address}"
