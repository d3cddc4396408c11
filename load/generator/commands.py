"""From beats and feedback to command records: what the generator sends, without I/O.

``GeneratorState`` keeps the AUTO accounts the generator opened (learned from
``account_creation_feedback``) and turns each beat into one command. Ids and randomness
are passed in so tests can pin them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from load.generator.mix import (
    GeneratedAccount,
    RandomSource,
    TransferKind,
    TransferPlan,
    opens_account,
    plan_salary,
    plan_transfer,
)
from topology.records import (
    AccountCreationConfirmed,
    Atype,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
)

__all__ = ["Command", "GeneratorState", "transfer_command"]

Command = ConfirmAccountCreation | ConfirmMoneyTransfer


def transfer_command(plan: TransferPlan, command_id: uuid.UUID) -> ConfirmMoneyTransfer:
    """The record of a planned transfer (amount in cents)."""
    return ConfirmMoneyTransfer(
        id=command_id,
        token=plan.token,
        amount=plan.amount_cents,
        from_=plan.from_,
        to=plan.to,
        description=plan.description,
    )


@dataclass
class GeneratorState:
    """The company account (with its secret token), the accounts known so far and the
    sources of randomness and ids."""

    company: GeneratedAccount
    rng: RandomSource
    new_id: Callable[[], uuid.UUID] = uuid.uuid4
    accounts: list[GeneratedAccount] = field(default_factory=list)
    _known_ibans: set[str] = field(default_factory=set)

    def command_for_beat(self, beat: int) -> Command:
        """Open an AUTO account (beats 0-19 and every 200th) or draw a transfer of the mix."""
        if opens_account(beat):
            return ConfirmAccountCreation(id=self.new_id(), a_type=Atype.AUTO)
        return transfer_command(plan_transfer(self.accounts, self.company, self.rng), self.new_id())

    def on_account_confirmed(
        self, confirmed: AccountCreationConfirmed
    ) -> ConfirmMoneyTransfer | None:
        """Keep a new AUTO account and return its first salary; None for anything else.

        MANUAL accounts are people's (the backend's); a repeated confirmation (the same
        command redelivered) is not paid twice.
        """
        if confirmed.a_type is not Atype.AUTO or confirmed.iban in self._known_ibans:
            return None
        self._known_ibans.add(confirmed.iban)
        self.accounts.append(GeneratedAccount(iban=confirmed.iban, token=confirmed.token))
        return transfer_command(plan_salary(confirmed.iban, self.company, self.rng), self.new_id())

    def kind_of(self, command: Command) -> str:
        """A label for metrics: ``open_account`` or the transfer's kind."""
        if isinstance(command, ConfirmAccountCreation):
            return "open_account"
        return TransferKind(command.description).name.lower()
