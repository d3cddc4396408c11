"""Account creation: new account, clash, and the same answer for a known command id."""

from __future__ import annotations

import uuid

from command_handler.domain import (
    Account,
    AccountCandidate,
    decide_account_creation,
    reasons,
)
from topology.iban import iban_from_digits
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    Atype,
    ConfirmAccountCreation,
)

CANDIDATE = AccountCandidate(iban_from_digits("0123456789"), "12345678901234567890")


def test_new_account_starts_at_zero_with_the_default_limit() -> None:
    command = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL)
    outcome = decide_account_creation(command, CANDIDATE, iban_taken=False)
    assert outcome.feedback == AccountCreationConfirmed(
        id=command.id, iban=CANDIDATE.iban, token=CANDIDATE.token, a_type=Atype.MANUAL
    )
    assert outcome.new_account == Account(CANDIDATE.iban, CANDIDATE.token, 0, -50_000)
    assert not outcome.replayed


def test_a_taken_iban_fails_with_the_original_text() -> None:
    command = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    outcome = decide_account_creation(command, CANDIDATE, iban_taken=True)
    assert outcome.feedback == AccountCreationFailed(id=command.id, reason=reasons.IBAN_EXISTS)
    assert reasons.IBAN_EXISTS == "generated iban already exists, try again"
    assert outcome.new_account is None


def test_a_known_command_id_gets_the_same_account() -> None:
    command = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.MANUAL)
    first = decide_account_creation(command, CANDIDATE, iban_taken=False).feedback
    other = AccountCandidate(iban_from_digits("0000000042"), "9" * 20)
    again = decide_account_creation(command, other, iban_taken=True, previous=first)
    assert again.feedback == first
    assert again.new_account is None
    assert again.replayed
