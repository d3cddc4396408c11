"""The command handler's rules as pure functions: no SQL, Kafka, clock or randomness.

Callers load the accounts and stored answers, pass in generated ibans and tokens, and
apply the outcome; see docs/command-handler.md.
"""

from command_handler.domain import reasons
from command_handler.domain.accounts import CASH, DEFAULT_LIMIT_CENTS, MAX_BALANCE_CENTS, Account
from command_handler.domain.batch import BatchDecision, Command, Outcome, decide_batch
from command_handler.domain.creation import (
    AccountCandidate,
    CreationFeedback,
    CreationOutcome,
    decide_account_creation,
)
from command_handler.domain.ibans import is_open_iban
from command_handler.domain.transfer import (
    TransferFeedback,
    TransferOutcome,
    decide_money_transfer,
)
from command_handler.domain.undecidable import NUL_IN_TEXT, undecidable_reason

__all__ = [
    "CASH",
    "DEFAULT_LIMIT_CENTS",
    "MAX_BALANCE_CENTS",
    "NUL_IN_TEXT",
    "Account",
    "AccountCandidate",
    "BatchDecision",
    "Command",
    "CreationFeedback",
    "CreationOutcome",
    "Outcome",
    "TransferFeedback",
    "TransferOutcome",
    "decide_account_creation",
    "decide_batch",
    "decide_money_transfer",
    "is_open_iban",
    "reasons",
    "undecidable_reason",
]
