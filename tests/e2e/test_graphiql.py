"""GraphiQL at /graphql works offline: it renders in Chromium through nginx, a query typed
into it returns the bank's data, and no request of the page leaves loopback."""

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Request, WebSocket, expect

# The first test of a session may build the UI (npm ci, vite) before it starts: 300 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CREATE = """mutation ($u: String!, $p: String!) {
  create_account(username: $u, password: $p) { ... on Account { iban } }
}"""
DEPOSIT = """mutation ($uuid: String!, $iban: String!) {
  deposit(uuid: $uuid, iban: $iban, amount: 123, descr: "graphiql e2e") {
    ... on TransferConfirmed { uuid }
  }
}"""
BY_IBAN = "query ($iban: String!) { transactions_by_iban(iban: $iban, max_items: 5) { id } }"


def graphql(ui_url: str, query: str, **variables: str) -> Any:
    """The ``data`` of a query sent over HTTP through nginx; fails on any error."""
    answer = httpx.post(
        ui_url + "graphql", json={"query": query, "variables": variables}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


def account_with_a_deposit(ui_url: str, passwords: set[str]) -> str:
    """A new account's iban, once its deposit of €1,23 is in the backend's table."""
    password = f"pw-{uuid.uuid4().hex[:12]}"
    passwords.add(password)
    created = graphql(ui_url, CREATE, u=f"graphiql-{uuid.uuid4().hex[:12]}", p=password)
    iban = str(created["create_account"]["iban"])
    assert graphql(ui_url, DEPOSIT, uuid=str(uuid.uuid4()), iban=iban)["deposit"]["uuid"]
    # The projector writes the table a few ms after the answer: wait for the row.
    deadline = time.monotonic() + 20
    while not graphql(ui_url, BY_IBAN, iban=iban)["transactions_by_iban"]:
        assert time.monotonic() < deadline, f"the deposit to {iban} never reached the table"
        time.sleep(0.1)
    return iban


def test_graphiql_runs_a_typed_query_without_leaving_loopback(
    ui_url: str,
    new_page: Callable[[], Page],
    screenshot: Callable[[Page, str], Path],
    typed_passwords: set[str],
) -> None:
    iban = account_with_a_deposit(ui_url, typed_passwords)
    page = new_page()
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(_address(request)))
    page.on("websocket", lambda socket: addresses.append(_address(socket)))

    response = page.goto(ui_url + "graphql")
    assert response is not None
    assert response.status == 200
    assert "unpkg" not in response.headers["content-security-policy"]
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    expect(editor).to_be_visible()

    # Entered as a paste is: typing key by key raced the completion list on a loaded
    # machine. The editor must then hold exactly the query.
    query = (
        f'{{ transactions_by_iban(iban: "{iban}", max_items: 5) '
        "{ iban changed_by changed_by_cents direction descr } }"
    )
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(query)
    expect(page.locator(".graphiql-query-editor .CodeMirror-code")).to_have_text(
        re.compile(re.escape(query))
    )
    page.locator(".graphiql-execute-button").click()

    result = page.locator(".graphiql-response")
    expect(result).to_contain_text('"changed_by": "€1,23"')
    expect(result).to_contain_text('"direction": "CREDIT"')
    expect(result).to_contain_text(f'"iban": "{iban}"')
    expect(result).not_to_contain_text('"errors"')
    screenshot(page, "graphiql")

    assert len(addresses) >= 9, addresses  # the page, five scripts, three style sheets …
    outside = [address for address in addresses if not _is_loopback(address)]
    assert not outside, f"GraphiQL reached beyond this machine: {outside}"


def _address(event: Request | WebSocket) -> str:
    return event.url


def _is_loopback(address: str) -> bool:
    parts = urlsplit(address)
    return parts.scheme in {"data", "blob"} or parts.hostname in LOOPBACK


def test_graphiql_keeps_variables_out_of_the_address(
    ui_url: str, new_page: Callable[[], Page], typed_passwords: set[str]
) -> None:
    """Variables carry passwords and tokens: none may reach history or nginx's access log."""
    secret = f"pw-{uuid.uuid4().hex[:12]}"
    typed_passwords.add(secret)
    page = new_page()
    # An old link that still has variables: the page drops them, keeps the query.
    page.goto(ui_url + "graphql?" + urlencode({"q": "{ __typename }", "variables": "{}"}))
    expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?q=[^&]*$"))
    entries = page.evaluate("() => window.history.length")

    variables = page.locator(".graphiql-editor-tool .CodeMirror").filter(visible=True)
    variables.click()
    page.keyboard.insert_text(f'{{"p": "{secret}"}}')
    expect(variables).to_contain_text(secret)
    # The query is still remembered in the URL, so a change of it rewrites the address.
    page.locator(".graphiql-query-editor .CodeMirror").click()
    page.keyboard.press("End")
    page.keyboard.insert_text(" ")
    expect(page).to_have_url(re.compile(r"\?q="))
    assert secret not in page.url
    assert "variables" not in page.url
    # replaceState only: no entry was added that could keep an older address.
    assert page.evaluate("() => window.history.length") == entries
