"""Two handler instances, concurrent transfers among a few accounts: nothing lost, no
update lost, money conserved."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa

from bench.handler_process import HandlerProcess
from tests.support.handler_bank import Bank
from topology.records import (
    AccountCreationConfirmed,
    Atype,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
)

pytestmark = pytest.mark.integration

DEPOSIT_CENTS = 20_000


def _handled(handler: HandlerProcess) -> float:
    port = handler.env["OPEN_BANK_COMMAND_HANDLER_METRICS_PORT"]
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("open_bank_command_handler_commands_total{")
    )


def test_two_instances_conserve_money_and_lose_no_update(
    bank: Bank, start_handler: Callable[..., HandlerProcess], throwaway_database: str
) -> None:
    first = start_handler("a")
    second = start_handler("b")
    # Both in the group with partitions of their own before the load starts.
    deadline = time.monotonic() + 60
    while not all("partitions assigned" in h.log() for h in (first, second)):
        assert time.monotonic() < deadline, "instances never got partitions"
        time.sleep(0.2)
    opens = [ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO) for _ in range(4)]
    bank.send(*opens)
    bank.wait_until(lambda o: all(c.id in o.feedback for c in opens))
    accounts = [bank.outputs.feedback[c.id][0] for c in opens]
    assert all(isinstance(a, AccountCreationConfirmed) for a in accounts)
    tokens = {a.iban: a.token for a in accounts if isinstance(a, AccountCreationConfirmed)}
    ibans = sorted(tokens)
    deposits = [
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", DEPOSIT_CENTS, "cash", iban, "deposit")
        for iban in ibans
    ]
    rng = random.Random(4)
    transfers = []
    for _ in range(600):
        from_, to = rng.sample(ibans, 2)
        amount = rng.randint(1, 30_000)
        transfers.append(
            ConfirmMoneyTransfer(uuid.uuid4(), tokens[from_], amount, from_, to, "mix")
        )
    commands = deposits + transfers
    bank.send(*commands)
    outputs = bank.wait_until(lambda o: all(c.id in o.feedback for c in commands), 90)
    bank.poll(2)
    # Every command answered exactly once.
    assert all(len(outputs.feedback[c.id]) == 1 for c in commands)
    # Both instances did part of the work (partitions spread over them).
    assert _handled(first) > 0
    assert _handled(second) > 0
    engine = sa.create_engine(throwaway_database)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT iban, amount FROM balance WHERE iban = ANY(:ibans)"), {"ibans": ibans}
        ).all()
        ledger = connection.execute(
            sa.text("SELECT iban, sum(changed_by) FROM balance_change GROUP BY iban")
        ).all()
    engine.dispose()
    balances = {str(r[0]): int(r[1]) for r in rows}
    # Money only entered through the deposits; transfers among the accounts conserve it.
    assert sum(balances.values()) == DEPOSIT_CENTS * len(ibans)
    # No lost update: each balance is exactly the sum of its changes, in the database and
    # on the wire.
    assert balances == {str(r[0]): int(r[1]) for r in ledger}
    wire: Counter[str] = Counter()
    for change in outputs.balance_changed:
        wire[change.iban] += change.changed_by
    assert dict(wire) == balances
    assert all(balance >= -50_000 for balance in balances.values())
