"""Deciding a polled batch of commands in order, as if one after another.

The loop loads every account and stored answer the batch can touch, then this fold decides
each command against the state left by the ones before it (two transfers on one account in
one batch see each other; a command id repeated inside the batch is answered once). The
result says exactly what to write: new accounts, final balances, new answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from command_handler.domain.accounts import Account
from command_handler.domain.creation import (
    AccountCandidate,
    CreationFeedback,
    CreationOutcome,
    decide_account_creation,
)
from command_handler.domain.transfer import (
    TransferFeedback,
    TransferOutcome,
    decide_money_transfer,
)
from topology.records import ConfirmAccountCreation, ConfirmMoneyTransfer

__all__ = ["BatchDecision", "Command", "Outcome", "decide_batch"]

Command: TypeAlias = ConfirmAccountCreation | ConfirmMoneyTransfer
Outcome: TypeAlias = TransferOutcome | CreationOutcome


@dataclass(slots=True)
class BatchDecision:
    """Everything a batch decided; `outcomes[i]` answers `commands[i]`.

    `accounts` is the state after the batch of every account the batch saw; `opened` and
    `changed` name the ibans to insert and to update; `transfer_answers` and
    `creation_answers` hold only the answers first given in this batch.
    """

    outcomes: list[Outcome] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)
    opened: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    transfer_answers: dict[uuid.UUID, TransferFeedback] = field(default_factory=dict)
    creation_answers: dict[uuid.UUID, CreationFeedback] = field(default_factory=dict)


def decide_batch(
    commands: Sequence[Command],
    accounts: Mapping[str, Account],
    transfer_answers: Mapping[uuid.UUID, TransferFeedback],
    creation_answers: Mapping[uuid.UUID, CreationFeedback],
    candidates: Mapping[uuid.UUID, AccountCandidate],
) -> BatchDecision:
    """Decide `commands` in order against `accounts` and the answers stored before.

    `candidates` gives each account creation command its freshly generated iban and token;
    `accounts` must hold every existing account a command names or a candidate would take.
    """
    decision = BatchDecision(accounts=dict(accounts))
    known_transfers = dict(transfer_answers)
    known_creations = dict(creation_answers)
    for command in commands:
        outcome: Outcome
        if isinstance(command, ConfirmMoneyTransfer):
            outcome = decide_money_transfer(
                command, decision.accounts, known_transfers.get(command.id)
            )
            if not outcome.replayed:
                known_transfers[command.id] = outcome.feedback
                decision.transfer_answers[command.id] = outcome.feedback
                for change in outcome.changes:
                    account = decision.accounts[change.iban]
                    decision.accounts[change.iban] = account.with_balance(change.new_balance)
                    decision.changed.add(change.iban)
        else:
            candidate = candidates[command.id]
            outcome = decide_account_creation(
                command,
                candidate,
                iban_taken=candidate.iban in decision.accounts,
                previous=known_creations.get(command.id),
            )
            if not outcome.replayed:
                known_creations[command.id] = outcome.feedback
                decision.creation_answers[command.id] = outcome.feedback
                if outcome.new_account is not None:
                    decision.accounts[outcome.new_account.iban] = outcome.new_account
                    decision.opened.append(outcome.new_account.iban)
        decision.outcomes.append(outcome)
    return decision
