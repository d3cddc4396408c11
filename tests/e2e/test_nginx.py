"""nginx in front of the UI and the API, checked over real HTTP: security and cache
headers, gzip, the body limit, the rate limit on /graphql, no version, no dot-files."""

import re
import socket

import httpx
import pytest

# The first test of a session may build the UI (npm ci, vite) before it starts: 300 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

APP_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _asset(ui_url: str, suffix: str) -> str:
    page = httpx.get(ui_url, timeout=5).text
    match = re.search(rf"/assets/[\w.-]+\.{suffix}", page)
    assert match, f"index.html names no hashed .{suffix} asset"
    return ui_url.rstrip("/") + match.group(0)


def test_page_has_security_headers_and_is_revalidated(ui_url: str) -> None:
    response = httpx.get(ui_url, timeout=5)
    assert response.headers["content-security-policy"] == APP_CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["server"] == "nginx"  # no version number


def test_hashed_assets_are_cached_for_a_year_and_gzipped(ui_url: str) -> None:
    for suffix in ("js", "css"):
        response = httpx.get(_asset(ui_url, suffix), headers={"accept-encoding": "gzip"}, timeout=5)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_benchmark_summary_is_always_json(ui_url: str) -> None:
    response = httpx.get(ui_url + "bench/summary.json", timeout=5)
    assert response.status_code == 200
    assert response.json()["format"] == 1
    assert response.headers["cache-control"] == "no-cache"


def test_graphql_gets_no_cache_header_and_refuses_big_bodies(ui_url: str) -> None:
    answer = httpx.post(ui_url + "graphql", json={"query": "{ __typename }"}, timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"data": {"__typename": "Query"}}
    assert "immutable" not in answer.headers.get("cache-control", "")
    huge = httpx.post(
        ui_url + "graphql",
        content=b'{"query": "' + b"x" * 100_000 + b'"}',
        headers={"content-type": "application/json"},
        timeout=5,
    )
    assert huge.status_code == 413


def test_dot_files_are_not_served(ui_url: str) -> None:
    assert httpx.get(ui_url + ".source-hash", timeout=5).status_code == 404
    assert httpx.get(ui_url + ".git/config", timeout=5).status_code == 404


def _status(connection: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = connection.recv(256)
        if not chunk:
            break
        head += chunk
    return int(head.split()[1])


def test_graphql_is_rate_limited(ui_url: str) -> None:
    # 300 requests arrive at once on 300 connections: more than the burst of 200 and the
    # 64 connections allowed per address, whatever the machine's speed. HEAD keeps the
    # backend's share small.
    url = httpx.URL(ui_url)
    host, port = url.host, url.port or 80
    request = f"HEAD /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    connections = [socket.create_connection((host, port), timeout=30) for _ in range(300)]
    try:
        for connection in connections:
            connection.sendall(request.encode())
        codes = [_status(connection) for connection in connections]
    finally:
        for connection in connections:
            connection.close()
    assert codes.count(429) > 0, f"no 429 among {sorted(set(codes))}"
    assert set(codes) <= {200, 405, 429}, sorted(set(codes))
