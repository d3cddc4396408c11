"""Records as the Events page shows them: fields, hidden tokens, filters, causes."""

import uuid

from backend.events import EventFilter, LoggedEvent, caused_by
from topology.records import (
    AccountCreationConfirmed,
    Atype,
    BalanceChanged,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    Record,
)

ALICE = "NL66OPEN0000000000"
BOB = "NL44OPEN0000009999"
COMMAND_ID = uuid.UUID("8f323aad-cdaf-4613-a581-1fe170766c28")


def logged(record: Record, topic: str = "t", offset: int = 0, ts: int = 0) -> LoggedEvent:
    return LoggedEvent(topic, 0, offset, ts, 7, record)


def transfer(amount: int = 500, token: str = "1" * 20) -> LoggedEvent:
    return logged(ConfirmMoneyTransfer(COMMAND_ID, token, amount, ALICE, BOB, "rent"), "commands")


def change(iban: str, changed_by: int, from_to: str, description: str = "rent") -> LoggedEvent:
    return logged(BalanceChanged(iban, 1000, changed_by, from_to, description), "balance_changed")


def test_fields_list_every_avro_field_with_uuids_as_text_and_tokens_hidden() -> None:
    fields = dict(transfer().fields())
    assert fields == {
        "id": str(COMMAND_ID),
        "token": "hidden",
        "amount": "500",
        "from": ALICE,
        "to": BOB,
        "description": "rent",
    }
    assert transfer().command_id == str(COMMAND_ID)
    assert transfer().record_type == "ConfirmMoneyTransfer"


def test_a_new_account_s_token_is_hidden_but_a_deposit_s_cash_token_shown() -> None:
    created = logged(
        AccountCreationConfirmed(COMMAND_ID, ALICE, "98765432109876543210", Atype.AUTO)
    )
    assert dict(created.fields())["token"] == "hidden"
    assert dict(transfer(token="cash").fields())["token"] == "cash"


def test_balance_changes_of_a_transfer_match_by_content() -> None:
    command = transfer()
    assert caused_by(command, change(ALICE, -500, BOB))
    assert caused_by(command, change(BOB, 500, ALICE))
    assert not caused_by(command, change(BOB, -500, ALICE))  # wrong sign
    assert not caused_by(command, change(ALICE, -400, BOB))  # other amount
    assert not caused_by(command, change(ALICE, -500, BOB, "other"))  # other description
    assert not caused_by(change(ALICE, -500, BOB), change(ALICE, -500, BOB))  # no command


def test_an_account_filter_keeps_its_records_and_the_answers_to_its_commands() -> None:
    wanted = EventFilter(BOB)
    answer = logged(MoneyTransferConfirmed(COMMAND_ID), "money_transfer_feedback")
    other_answer = logged(MoneyTransferConfirmed(uuid.uuid4()), "money_transfer_feedback")
    assert not wanted.matches(answer)  # its command not seen yet
    assert wanted.matches(transfer())
    assert wanted.matches(answer)
    assert not wanted.matches(other_answer)
    assert wanted.matches(change(BOB, 500, ALICE))
    assert not wanted.matches(change("NL71OPEN0000009998", 500, ALICE))
    assert EventFilter(None).matches(other_answer)
