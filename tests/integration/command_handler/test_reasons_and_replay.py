"""The handler contract (`tests.support.handler_contract`) through Kafka and PostgreSQL: every
reason text is reachable, replays answer the same and change nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from bench.handler_process import HandlerProcess
from tests.support import handler_contract
from tests.support.handler_bank import Bank

pytestmark = pytest.mark.integration


def test_every_reason_text_is_reachable(
    bank: Bank, start_handler: Callable[..., HandlerProcess], throwaway_database: str
) -> None:
    start_handler("a")
    expected = handler_contract.every_reason_text_is_reachable(bank)
    engine = sa.create_engine(throwaway_database)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT iban, amount FROM balance")).all()
    engine.dispose()
    balances: dict[str, int] = {str(row[0]): int(row[1]) for row in rows}
    assert {iban: balances[iban] for iban in expected} == expected


def test_a_replayed_command_id_gets_the_same_answer_and_no_new_balance_changed(
    bank: Bank, start_handler: Callable[..., HandlerProcess]
) -> None:
    start_handler("a")
    handler_contract.replayed_command_ids_change_nothing(bank)
