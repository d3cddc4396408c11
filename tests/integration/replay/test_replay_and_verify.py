"""`replay` and `verify` against the real stack: its log, its databases, its backend.

In file order: verify passes and catches a corrupted balance; `at` reads the past from
the real read model; replay matches and switches while the API keeps answering; last, the
read model's database is dropped and replay brings it back from Kafka.
"""

import io
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, text

from replay.cli import run_replay, run_verify
from stack.layout import StackLayout
from tests.integration.replay.conftest import Bank

# Replay reads the whole log (twice in one test): minutes on a stack that ran a benchmark.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
REBUILDS = text("SELECT count(*) FROM pg_namespace WHERE nspname ~ '^replay_[0-9]'")

AT = """
query ($iban: String!, $at: String) {
  account(iban: $iban, at: $at) { balance_cents transactions { changed_by_cents } }
}"""


def replay(layout: StackLayout, *, check_only: bool) -> tuple[int, str]:
    out = io.StringIO()
    code = run_replay(layout, check_only=check_only, out=out)
    return code, out.getvalue()


def verify(layout: StackLayout) -> tuple[int, str]:
    out = io.StringIO()
    return run_verify(layout, out=out), out.getvalue()


def test_verify_passes_and_fails_once_a_balance_row_is_corrupted(
    layout: StackLayout, bank: Bank, superuser: Callable[[str], Engine]
) -> None:
    iban = bank.open_account()["iban"]
    bank.deposit(iban, 1234)
    code, report = verify(layout)
    assert code == 0, report
    assert "verify: OK" in report

    handler = superuser("command_handler")
    change = text("UPDATE balance SET amount = amount + :by WHERE iban = :iban")
    with handler.connect() as connection:
        assert connection.execute(change, {"by": 1, "iban": iban}).rowcount == 1
    try:
        code, report = verify(layout)
    finally:
        with handler.connect() as connection:
            connection.execute(change, {"by": -1, "iban": iban})
    assert code == 1, report
    assert "MISMATCH balances that are not their start plus their events: 1" in report
    assert f"{iban}: balance 1235, but start 0 plus its 1 changes in the log is 1234" in report
    assert verify(layout)[0] == 0


def test_at_before_a_deposit_gives_the_earlier_balance(bank: Bank) -> None:
    iban = bank.open_account()["iban"]
    bank.deposit(iban, 1000)
    time.sleep(0.05)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.05)
    bank.deposit(iban, 500)

    def projected() -> bool:
        now = bank.data(AT, iban=iban, at=None)["account"]
        return bool(now["balance_cents"] == 1500)

    bank.wait_for(projected, "the projection of both deposits")
    then = bank.data(AT, iban=iban, at=between)["account"]
    assert then == {"balance_cents": 1000, "transactions": [{"changed_by_cents": 1000}]}
    bad = bank.post(AT, iban=iban, at="last tuesday")
    assert bad["errors"][0]["message"].startswith(
        "invalid argument at: 'last tuesday' is not an ISO 8601 moment"
    )


def test_replay_matches_and_switches_while_the_api_answers(
    layout: StackLayout, bank: Bank, superuser: Callable[[str], Engine]
) -> None:
    iban = bank.open_account()["iban"]
    bank.deposit(iban, 700)
    code, report = replay(layout, check_only=True)
    assert code == 0, report
    assert "transactions: match" in report
    assert "--check-only: nothing switched" in report

    failures: list[Any] = []
    answers = 0
    stop = threading.Event()

    def ask() -> None:
        nonlocal answers
        while not stop.is_set():
            body = bank.post(AT, iban=iban, at=None)
            if "errors" in body or body["data"]["account"]["balance_cents"] != 700:
                failures.append(body)
            answers += 1

    asking = threading.Thread(target=ask)
    asking.start()
    try:
        code, report = replay(layout, check_only=False)
    finally:
        stop.set()
        asking.join()
    assert code == 0, report
    assert "replay: switched" in report
    assert answers > 0
    assert failures == []
    aside = report.split("the old tables are in schema ")[1].split()[0]
    with superuser("backend").connect() as connection:
        connection.execute(text(f"DROP SCHEMA {aside} CASCADE"))


def test_replay_reports_a_corrupted_live_row_and_switches_nothing(
    layout: StackLayout, bank: Bank, superuser: Callable[[str], Engine]
) -> None:
    iban = bank.open_account()["iban"]
    bank.deposit(iban, 900)
    backend = superuser("backend")
    newest = text("SELECT max(id) FROM transactions WHERE iban = :iban")

    def newest_row() -> Any:
        with backend.connect() as connection:
            return connection.execute(newest, {"iban": iban}).scalar()

    bank.wait_for(lambda: newest_row() is not None, "the deposit's projection")
    row = newest_row()
    change = text("UPDATE transactions SET new_balance = new_balance + :by WHERE id = :id")
    with backend.connect() as connection:
        rebuilds = connection.execute(REBUILDS).scalar_one()
        connection.execute(change, {"by": 1, "id": row})
    try:
        code, report = replay(layout, check_only=False)
        with backend.connect() as connection:
            still = connection.execute(
                text("SELECT new_balance FROM transactions WHERE id = :id"), {"id": row}
            ).scalar_one()
            leftovers = connection.execute(REBUILDS).scalar_one()
    finally:
        with backend.connect() as connection:
            connection.execute(change, {"by": -1, "id": row})
    assert code == 1, report
    assert "transactions: DIFFER: " in report
    assert "1 different, 0 only in the live one, 0 only in the rebuilt one" in report
    assert f"transactions: live ({row}, '{iban}', 901, 900" in report
    assert "replay: DIFFERENT: nothing switched" in report
    assert still == 901  # the live table was left alone
    assert leftovers == rebuilds  # and the rebuild dropped


def _read_model(engine: Engine) -> tuple[dict[int, tuple[Any, ...]], dict[Any, tuple[Any, ...]]]:
    with engine.connect() as connection:
        transactions = {
            row[0]: tuple(row[1:])
            for row in connection.execute(
                text(
                    "SELECT id, iban, new_balance, changed_by, from_to, description "
                    "FROM transactions"
                )
            )
        }
        results = {
            row[0]: tuple(row[1:])
            for row in connection.execute(
                text("SELECT command_id, success, reason FROM transfer_results")
            )
        }
    return transactions, results


def test_a_dropped_read_model_is_rebuilt_from_kafka_as_it_was(
    layout: StackLayout, bank: Bank, superuser: Callable[[str], Engine]
) -> None:
    iban = bank.open_account()["iban"]
    bank.deposit(iban, 4321)
    bank.wait_for(
        lambda: bank.data(AT, iban=iban, at=None)["account"]["balance_cents"] == 4321,
        "the deposit's projection",
    )
    before = _read_model(superuser("backend"))
    assert before[0]
    assert before[1]
    with superuser("postgres").connect() as connection:
        connection.execute(text("DROP DATABASE backend WITH (FORCE)"))

    code, report = replay(layout, check_only=False)
    assert code == 0, report
    assert "no live read model" in report
    assert "balances against the handler: match" in report
    assert "replay: switched" in report

    transactions, results = _read_model(superuser("backend"))
    assert {k: transactions.get(k) for k in before[0]} == before[0]
    assert {k: results.get(k) for k in before[1]} == before[1]
    # The running backend's pool reconnects: the API answers from the rebuilt tables.
    bank.wait_for(
        lambda: "errors" not in bank.post(AT, iban=iban, at=None),
        "the API answering from the rebuilt database",
    )
    assert bank.data(AT, iban=iban, at=None)["account"]["balance_cents"] == 4321
