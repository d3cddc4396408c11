"""nginx in front of the UI and the API, checked over real HTTP: security and cache
headers, gzip, the body limit, the rate limit on /graphql, no version, no dot-files."""

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.e2e

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


def test_graphql_is_rate_limited(ui_url: str) -> None:
    # 600 requests from 30 threads arrive far faster than 100/s with a burst of 200.
    # Asking for the GraphiQL page's headers only (HEAD) keeps the backend's work small.
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(30) as pool:
        codes = list(pool.map(lambda _: client.head(ui_url + "graphql").status_code, range(600)))
    assert codes.count(429) > 0, f"no 429 among {sorted(set(codes))}"
    assert all(code in {200, 405, 429} for code in codes), sorted(set(codes))
