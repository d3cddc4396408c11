"""`storage.in_doubt` on the stack's PostgreSQL: which stored transfers lie beyond a committed
offset (those a restarted or new owner publishes first)."""

from __future__ import annotations

import random
import uuid

import pytest

from command_handler.handling import DecodedCommand, handle_commands
from command_handler.storage import Database, MessageSource
from command_handler.storage.in_doubt import last_stored_offsets
from topology.records import Atype, ConfirmAccountCreation, ConfirmMoneyTransfer

pytestmark = pytest.mark.integration


def test_the_last_stored_transfer_beyond_each_committed_offset(throwaway_database: str) -> None:
    database = Database(throwaway_database)
    deposit = [
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", 100, "cash", "NL66OPEN0000000000", "d")
        for _ in range(4)
    ]
    batch = [
        DecodedCommand(deposit[0], MessageSource(0, 7), 0),
        DecodedCommand(deposit[1], MessageSource(0, 9), 0),
        DecodedCommand(deposit[2], MessageSource(1, 3), 0),
        DecodedCommand(deposit[3], MessageSource(2, 4), 0),
        # Account creations publish no BalanceChanged: not what the question is about.
        DecodedCommand(ConfirmAccountCreation(uuid.uuid4(), Atype.AUTO), MessageSource(0, 12), 0),
    ]
    try:
        with database.transaction() as connection:
            handle_commands(connection, batch, random.Random(3))
        with database.transaction() as connection:
            stored = last_stored_offsets(connection, {0: 8, 1: 4, 2: 4, 5: 0})
            nothing = last_stored_offsets(connection, {})
    finally:
        database.close()

    # Partition 0: 9 (7 is below its committed 8); 1: nothing at or beyond 4; 2: its 4.
    assert stored == {0: 9, 2: 4}
    assert nothing == {}
