"""The company account's key on the running stack: a generated secret in `.run/secrets`, held
by the handler's database, in no page of the UI, and the old public key moves nothing."""

from __future__ import annotations

import re
import stat
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from stack.layout import StackLayout
from stack.passwords import read_company_token
from topology.iban import COMPANY_IBAN

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
PUBLIC_TOKEN = "0" * 20
_TRANSFER = """mutation($uuid: String!, $token: String!, $amount: Long!, $from: String!,
  $to: String!, $descr: String!) { transfer_money(uuid: $uuid, token: $token, amount: $amount,
  from: $from, to: $to, descr: $descr) { __typename ... on TransferRefused { reason } } }"""


@pytest.fixture(scope="module")
def company_token(stack_layout: StackLayout, stack_env: dict[str, str]) -> str:
    return read_company_token(stack_layout.secrets_dir)


def test_the_key_is_a_generated_token_in_a_private_file(
    stack_layout: StackLayout, company_token: str
) -> None:
    assert re.fullmatch(r"[0-9]{20}", company_token)
    assert company_token != PUBLIC_TOKEN
    mode = (stack_layout.secrets_dir / "company.token").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_the_key_is_in_no_log_and_no_tracked_file(
    stack_layout: StackLayout, company_token: str
) -> None:
    logs = [path for path in stack_layout.logs_dir.glob("*.log") if path.is_file()]
    assert logs, "the stack has written no log yet"
    holding = [str(log) for log in logs if company_token.encode() in log.read_bytes()]
    assert holding == []
    tracked = subprocess.run(
        ["git", "grep", "-F", "--quiet", "-e", company_token], cwd=REPO, check=False
    )
    assert tracked.returncode == 1, "the company token appears in a tracked file"


def test_the_handlers_database_holds_the_key_and_no_account_the_public_one(
    service_env: Callable[[str], dict[str, str]], company_token: str
) -> None:
    engine = sa.create_engine(service_env("command-handler")["OPEN_BANK_DATABASE_URL"])
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT token FROM balance WHERE iban = :iban"), {"iban": COMPANY_IBAN}
        ).scalar_one()
        public = connection.execute(
            sa.text("SELECT count(*) FROM balance WHERE token = :token"), {"token": PUBLIC_TOKEN}
        ).scalar_one()
    engine.dispose()
    assert stored == company_token
    assert public == 0


def test_no_file_of_the_ui_bundle_holds_the_key(company_token: str) -> None:
    dist = REPO / "frontend" / "dist"
    files = [path for path in dist.rglob("*") if path.is_file()]
    assert files, f"{dist} is empty or missing: ./bank up builds it"
    holding = [str(path) for path in files if company_token.encode() in path.read_bytes()]
    assert holding == []


def test_the_old_public_key_moves_no_money_from_the_company(
    service_env: Callable[[str], dict[str, str]],
) -> None:
    port = service_env("tests")["OPEN_BANK_BACKEND_PORT"]
    variables = {
        "uuid": str(uuid.uuid4()),
        "token": PUBLIC_TOKEN,
        "amount": 100,
        "from": COMPANY_IBAN,
        "to": "NL31OPEN0123456789",
        "descr": "public key",
    }
    answer = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": _TRANSFER, "variables": variables},
        timeout=30,
    )
    answer.raise_for_status()
    assert answer.json()["data"]["transfer_money"] == {
        "__typename": "TransferRefused",
        "reason": "invalid token",
    }
