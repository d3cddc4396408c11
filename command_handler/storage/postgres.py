"""The PostgreSQL adapter of the storage port: one psycopg connection, one transaction per
batch, and psycopg's errors translated into the port's (`errors`).

A connection that failed is dropped, so the next transaction connects again, as a pool with
pre-ping would. Statements come from `statements`, parameters are array literals from
`pg_arrays`.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager

import psycopg
import sqlalchemy as sa
from psycopg.rows import TupleRow

from command_handler.domain import (
    Account,
    BatchDecision,
    Command,
    CreationFeedback,
    TransferFeedback,
    TransferOutcome,
)
from command_handler.storage import statements
from command_handler.storage.answers import MessageSource, StoredAnswer
from command_handler.storage.errors import (
    StorageConflictError,
    StorageUnavailableError,
    UnstorableError,
)
from command_handler.storage.pg_arrays import plain_array, text_array, uuid_array
from command_handler.storage.port import ChangeNumbers, StoredAnswers
from command_handler.storage.tables import (
    ACCOUNT_CREATION_ANSWER,
    BALANCE,
    BALANCE_CHANGE,
    MONEY_TRANSFER_ANSWER,
)
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    Atype,
    BalanceChanged,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)

__all__ = ["PostgresStore", "PostgresTransaction", "libpq_url"]


def libpq_url(sqlalchemy_url: str) -> str:
    """`postgresql://…` for a SQLAlchemy URL `postgresql+psycopg://…` (libpq does not know the
    `+driver` part); other URLs are returned unchanged."""
    scheme, separator, rest = sqlalchemy_url.partition("://")
    if separator and scheme.startswith("postgresql+"):
        return f"postgresql://{rest}"
    return sqlalchemy_url


class PostgresStore:
    """`CommandStore` on PostgreSQL; connects on first use."""

    def __init__(self, url: str, *, connect_timeout_s: int = 5) -> None:
        self.url = libpq_url(url)
        self._connect_timeout_s = connect_timeout_s
        self._connection: psycopg.Connection[TupleRow] | None = None

    @contextmanager
    def transaction(self) -> Iterator[PostgresTransaction]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        try:
            if self._connection is None or self._connection.closed:
                # Autocommit: `transaction()` issues BEGIN and COMMIT itself, and nothing
                # stays open between batches.
                self._connection = psycopg.connect(
                    self.url, autocommit=True, connect_timeout=self._connect_timeout_s
                )
            with self._connection.transaction():
                yield PostgresTransaction(self._connection)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self.close()
            raise StorageUnavailableError(str(exc)) from exc
        except psycopg.IntegrityError as exc:
            raise StorageConflictError(str(exc)) from exc
        except psycopg.DataError as exc:
            raise UnstorableError(str(exc)) from exc

    def last_stored_offsets(self, committed: Mapping[int, int]) -> dict[int, int]:
        """See `CommandStore.last_stored_offsets`."""
        if not committed:
            return {}
        with self.transaction() as transaction:
            rows = transaction.connection.execute(
                statements.LAST_STORED,
                {"partitions": plain_array(committed), "offsets": plain_array(committed.values())},
            )
            return {partition: offset for partition, offset in rows if offset is not None}

    def close(self) -> None:
        """Close the connection, if any (idempotent)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


class PostgresTransaction:
    """`BatchTransaction` on one open psycopg transaction."""

    def __init__(self, connection: psycopg.Connection[TupleRow]) -> None:
        self.connection = connection

    def lock_accounts(self, ibans: Collection[str]) -> dict[str, Account]:
        """See `BatchTransaction.lock_accounts`."""
        if not ibans:
            return {}
        rows = self.connection.execute(
            statements.LOCK_ACCOUNTS, {"ibans": text_array(sorted(ibans))}
        )
        return {iban: Account(iban, token, amount, lmt) for iban, token, amount, lmt in rows}

    def load_answers(
        self, transfer_ids: Collection[uuid.UUID], creation_ids: Collection[uuid.UUID]
    ) -> StoredAnswers:
        """See `BatchTransaction.load_answers`."""
        answers = StoredAnswers()
        if not transfer_ids and not creation_ids:
            return answers
        rows = self.connection.execute(
            statements.ANSWERS,
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

    def load_balance_changes(self, command_ids: Collection[uuid.UUID]) -> list[BalanceChanged]:
        """See `BatchTransaction.load_balance_changes`."""
        if not command_ids:
            return []
        rows = self.connection.execute(statements.BALANCE_CHANGES, {"ids": uuid_array(command_ids)})
        return [BalanceChanged(*row) for row in rows]

    def write_decision(
        self,
        commands: Sequence[Command],
        sources: Sequence[MessageSource],
        decision: BatchDecision,
    ) -> ChangeNumbers:
        """See `BatchTransaction.write_decision`: one statement for the whole batch."""
        parameters: dict[str, str] = {}
        _accounts(decision, parameters)
        first_source: dict[tuple[bool, uuid.UUID], MessageSource] = {}
        changes: list[tuple[uuid.UUID, int, BalanceChanged]] = []
        for command, source, outcome in zip(commands, sources, decision.outcomes, strict=True):
            first_source.setdefault((isinstance(command, ConfirmMoneyTransfer), command.id), source)
            if isinstance(outcome, TransferOutcome) and not outcome.replayed:
                changes.extend((command.id, seq, c) for seq, c in enumerate(outcome.changes))
        _rows(
            parameters,
            BALANCE_CHANGE,
            command_id=uuid_array(i for i, _, _ in changes),
            seq=plain_array(s for _, s, _ in changes),
            iban=text_array(c.iban for _, _, c in changes),
            new_balance=plain_array(c.new_balance for _, _, c in changes),
            changed_by=plain_array(c.changed_by for _, _, c in changes),
            from_to=text_array(c.from_to for _, _, c in changes),
            description=text_array(c.description for _, _, c in changes),
        )
        transfers = decision.transfer_answers
        t_sources = [first_source[(True, i)] for i in transfers]
        _rows(
            parameters,
            MONEY_TRANSFER_ANSWER,
            command_id=uuid_array(transfers),
            reason=text_array(
                a.reason if isinstance(a, MoneyTransferFailed) else None for a in transfers.values()
            ),
            source_partition=plain_array(s.partition for s in t_sources),
            source_offset=plain_array(s.offset for s in t_sources),
        )
        creations = decision.creation_answers
        c_sources = [first_source[(False, i)] for i in creations]
        confirmed = [
            a if isinstance(a, AccountCreationConfirmed) else None for a in creations.values()
        ]
        _rows(
            parameters,
            ACCOUNT_CREATION_ANSWER,
            command_id=uuid_array(creations),
            iban=text_array(c.iban if c else None for c in confirmed),
            token=text_array(c.token if c else None for c in confirmed),
            a_type=text_array(c.a_type.value if c else None for c in confirmed),
            reason=text_array(
                a.reason if isinstance(a, AccountCreationFailed) else None
                for a in creations.values()
            ),
            source_partition=plain_array(s.partition for s in c_sources),
            source_offset=plain_array(s.offset for s in c_sources),
        )
        rows = self.connection.execute(statements.WRITE_DECISION, parameters)
        return {(command_id, seq): decided for command_id, seq, decided in rows}


def _rows(parameters: dict[str, str], table: sa.Table, **columns: str) -> None:
    """Put each column's array under its parameter name; a column of the table left out, or
    one it does not have, is a KeyError here rather than a wrong statement."""
    expected = {c.name for c in statements.written_columns(table)}
    if expected != columns.keys():
        raise KeyError(f"{table.name}: columns {sorted(columns)} != {sorted(expected)}")
    parameters.update({statements.param(table, name): value for name, value in columns.items()})


def _accounts(decision: BatchDecision, parameters: dict[str, str]) -> None:
    opened = set(decision.opened)
    new_accounts = [decision.accounts[iban] for iban in decision.opened]
    a_types = {
        f.iban: f.a_type.value
        for f in decision.creation_answers.values()
        if isinstance(f, AccountCreationConfirmed)
    }
    _rows(
        parameters,
        BALANCE,
        iban=text_array(a.iban for a in new_accounts),
        token=text_array(a.token for a in new_accounts),
        amount=plain_array(a.balance_cents for a in new_accounts),
        a_type=text_array(a_types[a.iban] for a in new_accounts),
        lmt=plain_array(a.limit_cents for a in new_accounts),
    )
    changed = sorted(decision.changed - opened)
    parameters["changed__iban"] = text_array(changed)
    parameters["changed__amount"] = plain_array(
        decision.accounts[iban].balance_cents for iban in changed
    )
