"""kill -9 in the middle of batches, then restart: every command answered exactly once,
every balance change applied and published exactly once."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from bench.handler_process import HandlerProcess
from tests.support.handler_bank import Bank, Outputs
from topology.records import (
    AccountCreationConfirmed,
    Atype,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
)

# Three restarts and 3,000 commands in batches of 50: over a minute on a busy 2-core box.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

KILLS = 3
TRANSFERS = 3_000


def _answered_at_least(
    commands: list[ConfirmMoneyTransfer], count: int
) -> Callable[[Outputs], bool]:
    def done(outputs: Outputs) -> bool:
        return sum(c.id in outputs.feedback for c in commands) >= count

    return done


def test_kill_9_mid_batch_then_restart_applies_everything_exactly_once(
    bank: Bank, start_handler: Callable[..., HandlerProcess], throwaway_database: str
) -> None:
    # Small batches: many transactions in flight, so each kill lands inside one.
    handler = start_handler("a", OPEN_BANK_COMMAND_HANDLER_BATCH_SIZE="50")
    opens = [ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO) for _ in range(10)]
    bank.send(*opens)
    bank.wait_until(lambda o: all(c.id in o.feedback for c in opens))
    tokens = {
        f.iban: f.token
        for c in opens
        if isinstance(f := bank.outputs.feedback[c.id][0], AccountCreationConfirmed)
    }
    ibans = sorted(tokens)
    rng = random.Random(9)
    commands = [
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", 100_000, "cash", iban, "deposit")
        for iban in ibans
    ]
    for _ in range(TRANSFERS):
        from_, to = rng.sample([*ibans, "Albert Heijn BV"], 2)
        token = tokens.get(from_, "cash")
        commands.append(
            ConfirmMoneyTransfer(uuid.uuid4(), token, rng.randint(1, 5_000), from_, to, "kill")
        )
    bank.send(*commands)
    for kill in range(KILLS):
        # Let it work for a while, then kill it without warning, then restart it.
        target = (kill + 1) * len(commands) // (KILLS + 2)
        bank.wait_until(_answered_at_least(commands, target), 90)
        time.sleep(rng.uniform(0, 0.3))
        handler.kill()
        handler = start_handler("a", OPEN_BANK_COMMAND_HANDLER_BATCH_SIZE="50")
    outputs = bank.wait_until(lambda o: all(c.id in o.feedback for c in commands), 120)
    bank.poll(3)
    assert handler.running()
    # Every command answered exactly once (read_committed: aborted output is never seen).
    duplicates = [c.id for c in commands if len(outputs.feedback[c.id]) != 1]
    assert duplicates == []
    engine = sa.create_engine(throwaway_database)
    with engine.connect() as connection:
        balances = {
            str(r[0]): int(r[1])
            for r in connection.execute(
                sa.text("SELECT iban, amount FROM balance WHERE iban = ANY(:i)"), {"i": ibans}
            )
        }
        ledger = {
            str(r[0]): int(r[1])
            for r in connection.execute(
                sa.text("SELECT iban, sum(changed_by) FROM balance_change GROUP BY iban")
            )
        }
        stored_changes = connection.execute(sa.text("SELECT count(*) FROM balance_change")).one()
    engine.dispose()
    # Each change applied once: balances equal their ledger, and the wire carries each
    # stored change exactly once.
    assert balances == ledger
    assert len(outputs.balance_changed) == stored_changes[0]
    wire: Counter[str] = Counter()
    for change in outputs.balance_changed:
        wire[change.iban] += change.changed_by
    assert dict(wire) == balances
