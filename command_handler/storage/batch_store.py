"""One polled batch in one PostgreSQL transaction, with set-based statements.

The loop calls, inside `connection.begin()`: `lock_accounts` (every account the batch
may touch, `FOR UPDATE` in iban order so concurrent instances never deadlock), then
`load_answers` (after the locks, so an answer committed by another instance while we
waited is seen), decides in Python, and `write_decision`. Each statement handles the whole
batch (arrays through `unnest`), so a batch costs a fixed handful of round trips.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from command_handler.domain import (
    Account,
    BatchDecision,
    Command,
    CreationFeedback,
    TransferFeedback,
    TransferOutcome,
)
from command_handler.storage.answers import MessageSource, StoredAnswer
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    Atype,
    BalanceChanged,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)

__all__ = [
    "StoredAnswers",
    "load_answers",
    "load_balance_changes",
    "lock_accounts",
    "write_decision",
]

_LOCK_ACCOUNTS = sa.text(
    "SELECT iban, token, amount, lmt FROM balance "
    "WHERE iban = ANY(CAST(:ibans AS text[])) ORDER BY iban FOR UPDATE"
)
_TRANSFER_ANSWERS = sa.text(
    "SELECT command_id, reason, source_partition, source_offset FROM money_transfer_answer "
    "WHERE command_id = ANY(CAST(:ids AS uuid[]))"
)
_CREATION_ANSWERS = sa.text(
    "SELECT command_id, iban, token, a_type, reason, source_partition, source_offset "
    "FROM account_creation_answer WHERE command_id = ANY(CAST(:ids AS uuid[]))"
)
_BALANCE_CHANGES = sa.text(
    "SELECT command_id, iban, new_balance, changed_by, from_to, description "
    "FROM balance_change WHERE command_id = ANY(CAST(:ids AS uuid[])) ORDER BY command_id, seq"
)
_INSERT_ACCOUNTS = sa.text(
    "INSERT INTO balance (iban, token, amount, a_type) "
    "SELECT * FROM unnest(CAST(:ibans AS text[]), CAST(:tokens AS text[]), "
    "CAST(:amounts AS bigint[]), CAST(:a_types AS text[]))"
)
_UPDATE_BALANCES = sa.text(
    "UPDATE balance AS b SET amount = v.amount "
    "FROM unnest(CAST(:ibans AS text[]), CAST(:amounts AS bigint[])) AS v(iban, amount) "
    "WHERE b.iban = v.iban"
)
_INSERT_TRANSFER_ANSWERS = sa.text(
    "INSERT INTO money_transfer_answer (command_id, reason, source_partition, source_offset) "
    "SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:reasons AS text[]), "
    "CAST(:partitions AS integer[]), CAST(:offsets AS bigint[]))"
)
_INSERT_CREATION_ANSWERS = sa.text(
    "INSERT INTO account_creation_answer "
    "(command_id, iban, token, a_type, reason, source_partition, source_offset) "
    "SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:ibans AS text[]), "
    "CAST(:tokens AS text[]), CAST(:a_types AS text[]), CAST(:reasons AS text[]), "
    "CAST(:partitions AS integer[]), CAST(:offsets AS bigint[]))"
)
_INSERT_BALANCE_CHANGES = sa.text(
    "INSERT INTO balance_change "
    "(command_id, seq, iban, new_balance, changed_by, from_to, description) "
    "SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:seqs AS smallint[]), "
    "CAST(:ibans AS text[]), CAST(:new_balances AS bigint[]), CAST(:changed_bys AS bigint[]), "
    "CAST(:from_tos AS text[]), CAST(:descriptions AS text[]))"
)


@dataclass(slots=True)
class StoredAnswers:
    """The answers stored before this batch, by command id, per command kind."""

    transfers: dict[uuid.UUID, StoredAnswer[TransferFeedback]] = field(default_factory=dict)
    creations: dict[uuid.UUID, StoredAnswer[CreationFeedback]] = field(default_factory=dict)


def lock_accounts(connection: sa.Connection, ibans: Collection[str]) -> dict[str, Account]:
    """Lock and read the existing accounts among `ibans` (others simply are not returned)."""
    if not ibans:
        return {}
    rows = connection.execute(_LOCK_ACCOUNTS, {"ibans": sorted(ibans)})
    return {iban: Account(iban, token, amount, lmt) for iban, token, amount, lmt in rows}


def load_answers(
    connection: sa.Connection,
    transfer_ids: Collection[uuid.UUID],
    creation_ids: Collection[uuid.UUID],
) -> StoredAnswers:
    """The stored answers for the given command ids of each kind."""
    answers = StoredAnswers()
    if transfer_ids:
        for command_id, reason, partition, offset in connection.execute(
            _TRANSFER_ANSWERS, {"ids": list(transfer_ids)}
        ):
            transfer: TransferFeedback = (
                MoneyTransferConfirmed(id=command_id)
                if reason is None
                else MoneyTransferFailed(id=command_id, reason=reason)
            )
            answers.transfers[command_id] = StoredAnswer(
                command_id, transfer, MessageSource(partition, offset)
            )
    if creation_ids:
        for command_id, iban, token, a_type, reason, partition, offset in connection.execute(
            _CREATION_ANSWERS, {"ids": list(creation_ids)}
        ):
            creation: CreationFeedback = (
                AccountCreationFailed(id=command_id, reason=reason)
                if reason is not None
                else AccountCreationConfirmed(
                    id=command_id, iban=iban, token=token, a_type=Atype(a_type)
                )
            )
            answers.creations[command_id] = StoredAnswer(
                command_id, creation, MessageSource(partition, offset)
            )
    return answers


def load_balance_changes(
    connection: sa.Connection, command_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[BalanceChanged]]:
    """The BalanceChanged events each transfer caused, in the order they were published."""
    changes: dict[uuid.UUID, list[BalanceChanged]] = {}
    if not command_ids:
        return changes
    for command_id, iban, new_balance, changed_by, from_to, description in connection.execute(
        _BALANCE_CHANGES, {"ids": list(command_ids)}
    ):
        changes.setdefault(command_id, []).append(
            BalanceChanged(iban, new_balance, changed_by, from_to, description)
        )
    return changes


def write_decision(
    connection: sa.Connection,
    commands: Sequence[Command],
    sources: Sequence[MessageSource],
    decision: BatchDecision,
) -> None:
    """Write what `decision` decided for `commands` (read from `sources`, index by index):
    new accounts, final balances, new answers and every balance change."""
    _write_accounts(connection, decision)
    first_source: dict[tuple[bool, uuid.UUID], MessageSource] = {}
    change_rows: list[tuple[uuid.UUID, int, BalanceChanged]] = []
    for command, source, outcome in zip(commands, sources, decision.outcomes, strict=True):
        key = (isinstance(command, ConfirmMoneyTransfer), command.id)
        first_source.setdefault(key, source)
        if isinstance(outcome, TransferOutcome) and not outcome.replayed:
            change_rows.extend((command.id, seq, c) for seq, c in enumerate(outcome.changes))
    _write_transfer_answers(connection, decision.transfer_answers, first_source)
    _write_creation_answers(connection, decision.creation_answers, first_source)
    if change_rows:
        connection.execute(
            _INSERT_BALANCE_CHANGES,
            {
                "ids": [row[0] for row in change_rows],
                "seqs": [row[1] for row in change_rows],
                "ibans": [row[2].iban for row in change_rows],
                "new_balances": [row[2].new_balance for row in change_rows],
                "changed_bys": [row[2].changed_by for row in change_rows],
                "from_tos": [row[2].from_to for row in change_rows],
                "descriptions": [row[2].description for row in change_rows],
            },
        )


def _write_accounts(connection: sa.Connection, decision: BatchDecision) -> None:
    opened = set(decision.opened)
    if opened:
        new_accounts = [decision.accounts[iban] for iban in decision.opened]
        a_types = {
            f.iban: f.a_type.value
            for f in decision.creation_answers.values()
            if isinstance(f, AccountCreationConfirmed)
        }
        connection.execute(
            _INSERT_ACCOUNTS,
            {
                "ibans": [a.iban for a in new_accounts],
                "tokens": [a.token for a in new_accounts],
                "amounts": [a.balance_cents for a in new_accounts],
                "a_types": [a_types[a.iban] for a in new_accounts],
            },
        )
    changed = sorted(decision.changed - opened)
    if changed:
        connection.execute(
            _UPDATE_BALANCES,
            {
                "ibans": changed,
                "amounts": [decision.accounts[iban].balance_cents for iban in changed],
            },
        )


def _write_transfer_answers(
    connection: sa.Connection,
    answers: Mapping[uuid.UUID, TransferFeedback],
    sources: Mapping[tuple[bool, uuid.UUID], MessageSource],
) -> None:
    if not answers:
        return
    ids = list(answers)
    connection.execute(
        _INSERT_TRANSFER_ANSWERS,
        {
            "ids": ids,
            "reasons": [
                a.reason if isinstance(a, MoneyTransferFailed) else None for a in answers.values()
            ],
            "partitions": [sources[(True, i)].partition for i in ids],
            "offsets": [sources[(True, i)].offset for i in ids],
        },
    )


def _write_creation_answers(
    connection: sa.Connection,
    answers: Mapping[uuid.UUID, CreationFeedback],
    sources: Mapping[tuple[bool, uuid.UUID], MessageSource],
) -> None:
    if not answers:
        return
    ids = list(answers)
    confirmed = [a if isinstance(a, AccountCreationConfirmed) else None for a in answers.values()]
    connection.execute(
        _INSERT_CREATION_ANSWERS,
        {
            "ids": ids,
            "ibans": [c.iban if c else None for c in confirmed],
            "tokens": [c.token if c else None for c in confirmed],
            "a_types": [c.a_type.value if c else None for c in confirmed],
            "reasons": [
                a.reason if isinstance(a, AccountCreationFailed) else None for a in answers.values()
            ],
            "partitions": [sources[(False, i)].partition for i in ids],
            "offsets": [sources[(False, i)].offset for i in ids],
        },
    )
