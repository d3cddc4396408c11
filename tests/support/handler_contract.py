"""What every command handler must answer, whatever runs it: the contract tests run these on
an in-process loop with in-memory fakes (`tests/unit/command_handler/test_contract.py`) and on
a real handler process with Kafka and PostgreSQL (`tests/integration/command_handler`).

Each check sends commands through `bank`, asserts what comes back and returns what its caller
may check further against its own store.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from typing import Protocol

from command_handler.domain import reasons
from command_handler.topics import HandlerTopics
from tests.support.handler_bank import Outputs
from topology.dead_letter import read_dead_letter_origin
from topology.iban import COMPANY_IBAN, iban_from_digits
from topology.records import (
    AccountCreationConfirmed,
    Atype,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    Heartbeat,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)
from topology.serde import RecordSerde
from topology.topics import HEARTBEAT

__all__ = [
    "CommandBank",
    "every_reason_text_is_reachable",
    "replayed_command_ids_change_nothing",
    "undecidable_messages_are_dead_lettered",
]


class CommandBank(Protocol):
    """A client of a handler under test (`Bank` or `InMemoryBank`)."""

    topics: HandlerTopics
    serde: RecordSerde

    def send(self, *commands: ConfirmAccountCreation | ConfirmMoneyTransfer) -> None: ...

    def send_raw(self, key: bytes, value: bytes) -> None: ...

    def poll(self, seconds: float) -> None: ...

    def wait_until(self, done: Callable[[Outputs], bool], timeout_s: float = ...) -> Outputs: ...


def _transfer(amount: int, from_: str, to: str, token: str) -> ConfirmMoneyTransfer:
    return ConfirmMoneyTransfer(
        id=uuid.uuid4(), token=token, amount=amount, from_=from_, to=to, description="it"
    )


def open_accounts(bank: CommandBank, count: int) -> list[AccountCreationConfirmed]:
    """Open `count` accounts; their confirmations (iban and token)."""
    commands = [ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL) for _ in range(count)]
    bank.send(*commands)
    outputs = bank.wait_until(lambda o: all(c.id in o.feedback for c in commands))
    opened = [outputs.feedback[c.id][0] for c in commands]
    confirmed = [f for f in opened if isinstance(f, AccountCreationConfirmed)]
    assert confirmed == opened
    return confirmed


def every_reason_text_is_reachable(bank: CommandBank) -> dict[str, int]:
    """Every failure reason, word for word, and the two transfers that go through; the
    expected balances (iban → cents) afterwards."""
    alice, bob = open_accounts(bank, 2)
    cases = {
        _transfer(1_000, "cash", alice.iban, "cash"): None,
        _transfer(300, alice.iban, bob.iban, alice.token): None,
        _transfer(0, alice.iban, bob.iban, alice.token): reasons.AMOUNT_NOT_POSITIVE,
        _transfer(-1, alice.iban, bob.iban, alice.token): reasons.AMOUNT_NOT_POSITIVE,
        _transfer(5, "nope", bob.iban, "x"): reasons.FROM_INVALID,
        _transfer(5, alice.iban, alice.iban, alice.token): reasons.SAME_FROM_AND_TO,
        _transfer(5, alice.iban, bob.iban, bob.token): reasons.INVALID_TOKEN,
        _transfer(1_000_000, alice.iban, bob.iban, alice.token): reasons.INSUFFICIENT_FUNDS,
        _transfer(5, iban_from_digits("0999999999"), "Albert Heijn BV", "x"): (
            reasons.BOTH_UNKNOWN
        ),
        _transfer(2**63 - 1, "cash", COMPANY_IBAN, "cash"): reasons.BALANCE_TOO_LARGE,
    }
    bank.send(*cases)
    outputs = bank.wait_until(lambda o: all(c.id in o.feedback for c in cases))
    for command, reason in cases.items():
        (answer,) = outputs.feedback[command.id]
        if reason is None:
            assert answer == MoneyTransferConfirmed(id=command.id)
        else:
            assert answer == MoneyTransferFailed(id=command.id, reason=reason)
    changes = sorted(((c.iban, c.changed_by, c.from_to) for c in outputs.balance_changed), key=str)
    assert changes == sorted(
        [
            (alice.iban, 1_000, "cash"),
            (alice.iban, -300, bob.iban),
            (bob.iban, 300, alice.iban),
        ],
        key=str,
    )
    return {alice.iban: 700, bob.iban: 300, COMPANY_IBAN: 10**17}


def replayed_command_ids_change_nothing(bank: CommandBank) -> None:
    """A command id sent again gets its first answer again, and no new BalanceChanged."""
    (carol,) = open_accounts(bank, 1)
    # "Login": the same account creation command again gives the same iban and token.
    again = ConfirmAccountCreation(id=carol.id, a_type=Atype.MANUAL)
    deposit = _transfer(2_500, "cash", carol.iban, "cash")
    too_much = _transfer(10**9, carol.iban, COMPANY_IBAN, carol.token)
    bank.send(again, deposit, too_much)
    bank.wait_until(
        lambda o: (
            len(o.feedback[carol.id]) == 2
            and deposit.id in o.feedback
            and too_much.id in o.feedback
        )
    )
    bank.send(deposit, too_much, deposit)
    outputs = bank.wait_until(
        lambda o: len(o.feedback[deposit.id]) == 3 and len(o.feedback[too_much.id]) == 2
    )
    bank.poll(2)
    assert outputs.feedback[carol.id] == [carol, carol]
    assert outputs.feedback[deposit.id] == [MoneyTransferConfirmed(id=deposit.id)] * 3
    assert (
        outputs.feedback[too_much.id]
        == [MoneyTransferFailed(id=too_much.id, reason=reasons.INSUFFICIENT_FUNDS)] * 2
    )
    (change,) = outputs.balance_changed
    # Numbered in the store's decided order (the number itself is the store's).
    assert isinstance(change.decided, int)
    assert change == BalanceChanged(
        carol.iban, 2_500, 2_500, "cash", "it", command_id=deposit.id, decided=change.decided
    )


def undecidable_messages_are_dead_lettered(bank: CommandBank) -> None:
    """Bytes that are no command, unchanged on the dead-letter topic with the reason; the
    command after them is answered."""
    garbage = b"this is not avro"
    unknown_schema = b"\x00" + struct.pack(">I", 987_654_321) + b"\x02"
    # A well-formed record of a type `commands` does not carry.
    heartbeat = bank.serde.serialize(HEARTBEAT, Heartbeat(beat=1))
    # A command PostgreSQL could not store (text cannot hold NUL).
    nul = bank.serde.serialize(
        bank.topics.commands,
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", 5, "cash", COMPANY_IBAN, "a\x00b"),
    )
    for key, value in ((b"g1", garbage), (b"g2", unknown_schema), (b"g3", heartbeat), (b"g4", nul)):
        bank.send_raw(key, value)
    good = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    bank.send(good)
    outputs = bank.wait_until(lambda o: good.id in o.feedback and len(o.dead_letters) == 4)
    by_key = {m.key(): m for m in outputs.dead_letters}
    assert by_key[b"g1"].value() == garbage
    assert by_key[b"g2"].value() == unknown_schema
    assert by_key[b"g3"].value() == heartbeat
    assert by_key[b"g4"].value() == nul
    why = {key: read_dead_letter_origin(m.headers()).reason for key, m in by_key.items()}
    assert "Confluent header" in why[b"g1"] or "magic byte" in why[b"g1"]
    assert "987654321" in why[b"g2"]
    assert "Heartbeat" in why[b"g3"]
    assert "NUL" in why[b"g4"]
    origin = read_dead_letter_origin(by_key[b"g1"].headers())
    assert origin.topic == bank.topics.commands.name
    assert origin.service.startswith("command-handler-")
    assert len(outputs.feedback[good.id]) == 1
