"""One polled batch in one PostgreSQL transaction, in four round trips.

The loop calls, inside `connection.begin()`: `lock_accounts` (every account the batch
may touch, `FOR UPDATE` in iban order so concurrent instances never deadlock), then
`load_answers` (after the locks, so an answer committed by another instance while we
waited is seen), decides in Python, and `write_decision`, which writes new accounts, new
balances, both kinds of answers and the balance changes in ONE statement (data-modifying
CTEs over `unnest` arrays, passed as literals: see `pg_arrays`). psycopg prepares each
statement on the server after a few executions (`prepare_threshold`). With the commit that is
four round trips per batch, whatever its size (plus one read of stored changes when a
batch is redelivered).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import TupleRow

from command_handler.domain import (
    Account,
    BatchDecision,
    Command,
    CreationFeedback,
    TransferFeedback,
    TransferOutcome,
)
from command_handler.storage.answers import MessageSource, StoredAnswer
from command_handler.storage.pg_arrays import plain_array, text_array, uuid_array
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

_LOCK_ACCOUNTS = (
    "SELECT iban, token, amount, lmt FROM balance "
    "WHERE iban = ANY(CAST(%(ibans)s AS text[])) ORDER BY iban FOR UPDATE"
)
_ANSWERS = (
    "SELECT true, command_id, reason, NULL, NULL, NULL, source_partition, source_offset "
    "FROM money_transfer_answer WHERE command_id = ANY(CAST(%(transfer_ids)s AS uuid[])) "
    "UNION ALL "
    "SELECT false, command_id, reason, iban, token, a_type, source_partition, source_offset "
    "FROM account_creation_answer WHERE command_id = ANY(CAST(%(creation_ids)s AS uuid[]))"
)
_BALANCE_CHANGES = (
    "SELECT iban, new_balance, changed_by, from_to, description "
    "FROM balance_change WHERE command_id = ANY(CAST(%(ids)s AS uuid[])) ORDER BY decided"
)
# Every part is a no-op for empty arrays. The new accounts and the updated ones are
# disjoint sets of ibans, so no row is touched twice by one statement.
_WRITE_DECISION = (
    "WITH opened AS ("
    " INSERT INTO balance (iban, token, amount, a_type)"
    " SELECT * FROM unnest(CAST(%(new_ibans)s AS text[]), CAST(%(new_tokens)s AS text[]),"
    " CAST(%(new_amounts)s AS bigint[]), CAST(%(new_a_types)s AS text[]))"
    "), changed AS ("
    " UPDATE balance AS b SET amount = v.amount"
    " FROM unnest(CAST(%(ibans)s AS text[]), CAST(%(amounts)s AS bigint[])) AS v(iban, amount)"
    " WHERE b.iban = v.iban"
    "), transfer_answers AS ("
    " INSERT INTO money_transfer_answer (command_id, reason, source_partition, source_offset)"
    " SELECT * FROM unnest(CAST(%(t_ids)s AS uuid[]), CAST(%(t_reasons)s AS text[]),"
    " CAST(%(t_partitions)s AS integer[]), CAST(%(t_offsets)s AS bigint[]))"
    "), creation_answers AS ("
    " INSERT INTO account_creation_answer"
    " (command_id, iban, token, a_type, reason, source_partition, source_offset)"
    " SELECT * FROM unnest(CAST(%(c_ids)s AS uuid[]), CAST(%(c_ibans)s AS text[]),"
    " CAST(%(c_tokens)s AS text[]), CAST(%(c_a_types)s AS text[]), CAST(%(c_reasons)s AS text[]),"
    " CAST(%(c_partitions)s AS integer[]), CAST(%(c_offsets)s AS bigint[]))"
    "), changes AS ("
    " INSERT INTO balance_change"
    " (command_id, seq, iban, new_balance, changed_by, from_to, description)"
    " SELECT c, s, i, n, b, f, d FROM unnest(CAST(%(bc_ids)s AS uuid[]),"
    " CAST(%(bc_seqs)s AS smallint[]), CAST(%(bc_ibans)s AS text[]),"
    " CAST(%(bc_new_balances)s AS bigint[]), CAST(%(bc_changed_bys)s AS bigint[]),"
    " CAST(%(bc_from_tos)s AS text[]), CAST(%(bc_descriptions)s AS text[]))"
    " WITH ORDINALITY AS u(c, s, i, n, b, f, d, k) ORDER BY k"
    ") SELECT 1"
)


@dataclass(slots=True)
class StoredAnswers:
    """The answers stored before this batch, by command id, per command kind."""

    transfers: dict[uuid.UUID, StoredAnswer[TransferFeedback]] = field(default_factory=dict)
    creations: dict[uuid.UUID, StoredAnswer[CreationFeedback]] = field(default_factory=dict)


def lock_accounts(
    connection: psycopg.Connection[TupleRow], ibans: Collection[str]
) -> dict[str, Account]:
    """Lock and read the existing accounts among `ibans` (others simply are not returned)."""
    if not ibans:
        return {}
    rows = connection.execute(_LOCK_ACCOUNTS, {"ibans": text_array(sorted(ibans))})
    return {iban: Account(iban, token, amount, lmt) for iban, token, amount, lmt in rows}


def load_answers(
    connection: psycopg.Connection[TupleRow],
    transfer_ids: Collection[uuid.UUID],
    creation_ids: Collection[uuid.UUID],
) -> StoredAnswers:
    """The stored answers for the given command ids of each kind."""
    answers = StoredAnswers()
    if not transfer_ids and not creation_ids:
        return answers
    rows = connection.execute(
        _ANSWERS,
        {"transfer_ids": uuid_array(transfer_ids), "creation_ids": uuid_array(creation_ids)},
    )
    for is_transfer, command_id, reason, iban, token, a_type, partition, offset in rows:
        source = MessageSource(partition, offset)
        if is_transfer:
            transfer: TransferFeedback = (
                MoneyTransferConfirmed(id=command_id)
                if reason is None
                else MoneyTransferFailed(id=command_id, reason=reason)
            )
            answers.transfers[command_id] = StoredAnswer(command_id, transfer, source)
        else:
            creation: CreationFeedback = (
                AccountCreationFailed(id=command_id, reason=reason)
                if reason is not None
                else AccountCreationConfirmed(
                    id=command_id, iban=iban, token=token, a_type=Atype(a_type)
                )
            )
            answers.creations[command_id] = StoredAnswer(command_id, creation, source)
    return answers


def load_balance_changes(
    connection: psycopg.Connection[TupleRow], command_ids: Collection[uuid.UUID]
) -> list[BalanceChanged]:
    """Every BalanceChanged these transfers caused, in the order they were decided (so
    each account's events keep the order of its balances)."""
    if not command_ids:
        return []
    return [
        BalanceChanged(iban, new_balance, changed_by, from_to, description)
        for iban, new_balance, changed_by, from_to, description in connection.execute(
            _BALANCE_CHANGES, {"ids": uuid_array(command_ids)}
        )
    ]


def write_decision(
    connection: psycopg.Connection[TupleRow],
    commands: Sequence[Command],
    sources: Sequence[MessageSource],
    decision: BatchDecision,
) -> None:
    """Write what `decision` decided for `commands` (read from `sources`, index by index):
    new accounts, final balances, new answers and every balance change, in one statement."""
    parameters: dict[str, str] = {}
    _account_parameters(decision, parameters)
    first_source: dict[tuple[bool, uuid.UUID], MessageSource] = {}
    bc_ids: list[uuid.UUID] = []
    bc_seqs: list[int] = []
    bc_changes: list[BalanceChanged] = []
    for command, source, outcome in zip(commands, sources, decision.outcomes, strict=True):
        first_source.setdefault((isinstance(command, ConfirmMoneyTransfer), command.id), source)
        if isinstance(outcome, TransferOutcome) and not outcome.replayed:
            for seq, change in enumerate(outcome.changes):
                bc_ids.append(command.id)
                bc_seqs.append(seq)
                bc_changes.append(change)
    parameters.update(
        bc_ids=uuid_array(bc_ids),
        bc_seqs=plain_array(bc_seqs),
        bc_ibans=text_array([c.iban for c in bc_changes]),
        bc_new_balances=plain_array([c.new_balance for c in bc_changes]),
        bc_changed_bys=plain_array([c.changed_by for c in bc_changes]),
        bc_from_tos=text_array([c.from_to for c in bc_changes]),
        bc_descriptions=text_array([c.description for c in bc_changes]),
    )
    t_ids = list(decision.transfer_answers)
    t_sources = [first_source[(True, i)] for i in t_ids]
    parameters.update(
        t_ids=uuid_array(t_ids),
        t_reasons=text_array(
            [
                a.reason if isinstance(a, MoneyTransferFailed) else None
                for a in decision.transfer_answers.values()
            ]
        ),
        t_partitions=plain_array([s.partition for s in t_sources]),
        t_offsets=plain_array([s.offset for s in t_sources]),
    )
    c_ids = list(decision.creation_answers)
    c_sources = [first_source[(False, i)] for i in c_ids]
    c_answers = list(decision.creation_answers.values())
    confirmed = [a if isinstance(a, AccountCreationConfirmed) else None for a in c_answers]
    parameters.update(
        c_ids=uuid_array(c_ids),
        c_ibans=text_array([c.iban if c else None for c in confirmed]),
        c_tokens=text_array([c.token if c else None for c in confirmed]),
        c_a_types=text_array([c.a_type.value if c else None for c in confirmed]),
        c_reasons=text_array(
            [a.reason if isinstance(a, AccountCreationFailed) else None for a in c_answers]
        ),
        c_partitions=plain_array([s.partition for s in c_sources]),
        c_offsets=plain_array([s.offset for s in c_sources]),
    )
    connection.execute(_WRITE_DECISION, parameters)


def _account_parameters(decision: BatchDecision, parameters: dict[str, str]) -> None:
    opened = set(decision.opened)
    new_accounts = [decision.accounts[iban] for iban in decision.opened]
    a_types = {
        f.iban: f.a_type.value
        for f in decision.creation_answers.values()
        if isinstance(f, AccountCreationConfirmed)
    }
    changed = sorted(decision.changed - opened)
    parameters.update(
        new_ibans=text_array([a.iban for a in new_accounts]),
        new_tokens=text_array([a.token for a in new_accounts]),
        new_amounts=plain_array([a.balance_cents for a in new_accounts]),
        new_a_types=text_array([a_types[a.iban] for a in new_accounts]),
        ibans=text_array(changed),
        amounts=plain_array([decision.accounts[iban].balance_cents for iban in changed]),
    )
