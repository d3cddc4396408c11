"""`./bank verify`: the command handler's state against the log.

Its database is read in one snapshot: every account's balance and how many changes its
ledger holds, and every stored answer. Then balance_changed and both feedback topics are
read from offset 0 (nothing committed): every balance must be its start plus its first
``changes`` BalanceChanged events, each event must chain on the one before, and every
stored answer must be in the feedback topics, the same each time it was published. The
handler publishes just after its database commit, so what the snapshot holds and the log
lacks yet is read on for a while before it counts as missing; what the log holds beyond the
snapshot is looked up in the handler again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, TextIO
from uuid import UUID

from confluent_kafka import Message

from backend.kafka.decoding import decode_batch
from replay.handler_state import read_handler_state, stored_since
from replay.ledger import Answer, AnswerCheck, BalanceCheck
from replay.log import LogReader, committed_offsets
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    BalanceChanged,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
    Record,
)
from topology.serde import RecordSerde
from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    BALANCE_CHANGED,
    COMMANDS,
    MONEY_TRANSFER_FEEDBACK,
)

__all__ = ["VerifyConfig", "answer_of", "verify"]

_TOPICS = (BALANCE_CHANGED, ACCOUNT_CREATION_FEEDBACK, MONEY_TRANSFER_FEEDBACK)
_BY_NAME = {t.name: t for t in _TOPICS}
_READ_ON_S = 15.0
_SHOWN = 5


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    """Where everything is: ``kafka`` may read ``_TOPICS``, ``commands_kafka`` may read
    ``commands`` and the handler's group's offsets (``handler_group``)."""

    kafka: dict[str, Any]
    commands_kafka: dict[str, Any]
    handler_group: str
    serde: RecordSerde
    handler_database_url: str


def answer_of(record: Record) -> tuple[UUID, Answer] | None:
    """A feedback record as (command id, answer) in the handler's terms; None for others."""
    if isinstance(record, MoneyTransferConfirmed):
        return record.id, ("transfer", None)
    if isinstance(record, MoneyTransferFailed):
        return record.id, ("transfer", record.reason)
    if isinstance(record, AccountCreationConfirmed):
        return record.id, ("creation", record.iban, record.token, None)
    if isinstance(record, AccountCreationFailed):
        return record.id, ("creation", None, None, record.reason)
    return None


class _Checks:
    def __init__(self, balances: BalanceCheck, answers: AnswerCheck, serde: RecordSerde) -> None:
        self.balances = balances
        self.answers = answers
        self.serde = serde
        self.undecodable = 0

    def feed(self, messages: list[Message]) -> None:
        delivered, skipped = decode_batch(messages, self.serde, _BY_NAME)
        self.undecodable += skipped
        for item in delivered:
            record = item.record
            if isinstance(record, BalanceChanged):
                self.balances.add(
                    record.iban, record.new_balance, record.changed_by, record.decided
                )
            elif (answer := answer_of(record)) is not None:
                self.answers.add(*answer)

    def ask(self, messages: list[Message]) -> None:
        for message in messages:
            key = message.key()
            try:
                command_id = UUID(key.decode() if isinstance(key, bytes) else str(key))
            except (ValueError, UnicodeDecodeError):
                continue  # undecidable: the handler dead-letters it, nobody answers it
            self.answers.ask(command_id)

    def waiting(self) -> bool:
        answers = self.answers
        return bool(self.balances.short() or answers.unanswered() or answers.miscounted())


def verify(config: VerifyConfig, out: TextIO) -> int:
    """Print what was checked and every kind of mismatch; 0 when none, else 1."""
    state = read_handler_state(config.handler_database_url)
    checks = _Checks(BalanceCheck(state.accounts), AnswerCheck(state.answers), config.serde)
    reader = LogReader(config.kafka, _TOPICS)
    commands = LogReader(config.commands_kafka, [COMMANDS])
    started = time.monotonic()
    try:
        for batch in reader.batches():
            checks.feed(batch)
        # Offsets are committed in the transaction that publishes the answers: taken after
        # the feedback's ends, they cover every answer read (and maybe a few more).
        _ask(checks, commands, config)
        deadline = time.monotonic() + _READ_ON_S
        while checks.waiting() and time.monotonic() < deadline:
            time.sleep(0.5)
            for batch in reader.read_on():
                checks.feed(batch)
            _ask(checks, commands, config)
    finally:
        reader.close()
        commands.close()
    seconds = max(time.monotonic() - started, 1e-9)
    records = reader.records + commands.records
    print(
        f"verify: the handler holds {len(state.accounts):,} accounts and "
        f"{len(state.answers):,} answered commands; read {records:,} records of the log "
        f"in {seconds:.1f} s ({records / seconds:,.0f} records/s)",
        file=out,
    )
    problems = _report(checks, config.handler_database_url, out)
    print(f"verify: {'OK' if not problems else f'MISMATCH: {problems} problem(s)'}", file=out)
    return 1 if problems else 0


def _ask(checks: _Checks, commands: LogReader, config: VerifyConfig) -> None:
    consumed = committed_offsets(config.commands_kafka, config.handler_group, [COMMANDS])
    for batch in commands.read_to(consumed):
        checks.ask(batch)


def _report(checks: _Checks, handler_url: str, out: TextIO) -> int:
    balances, answers = checks.balances, checks.answers
    balances.finish()
    newer_ibans, newer_ids = stored_since(handler_url, balances.unknown(), list(answers.not_stored))
    findings: list[tuple[str, list[str]]] = [
        ("balances that are not their start plus their events", balances.wrong_balances()),
        ("events whose new balance does not follow the one before", balances.broken_chains),
        (
            "accounts whose ledger holds changes the log lacks",
            [f"{i}: {n} in the log, {m} in the ledger" for i, (n, m) in balances.short().items()],
        ),
        (
            "accounts in the log the handler never held",
            [iban for iban in balances.unknown() if iban not in newer_ibans],
        ),
        ("answers published unlike the stored one", answers.different),
        ("answered commands without an answer in the log", [str(i) for i in answers.unanswered()]),
        (
            "commands answered other than once per message that asked",
            [f"{i}: asked {n} times, answered {m}" for i, (n, m) in answers.miscounted().items()],
        ),
        (
            "answers in the log for commands the handler never answered",
            [str(i) for i in answers.not_stored if i not in newer_ids],
        ),
        (
            "records of the log that cannot be decoded",
            [f"{checks.undecodable} records"] if checks.undecodable else [],
        ),
    ]
    problems = 0
    for title, lines in findings:
        if not lines:
            continue
        problems += len(lines)
        print(f"MISMATCH {title}: {len(lines):,}", file=out)
        for line in lines[:_SHOWN]:
            print(f"  {line}", file=out)
    print(
        f"balances: {len(balances.accounts) - len(balances.short()):,} accounts checked against "
        f"{balances.events:,} BalanceChanged events",
        file=out,
    )
    print(
        f"answers: {len(answers.counts):,} answered commands found in {answers.answers:,} "
        f"published answers, one per message on {COMMANDS.name} ({sum(answers.asked.values()):,} "
        f"read); {answers.repeated():,} ids were sent again and answered again the same; "
        f"{len(newer_ids) + len(newer_ibans):,} records newer than the snapshot",
        file=out,
    )
    return problems
