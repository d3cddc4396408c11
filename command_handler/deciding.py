"""Deciding a batch in one storage transaction, whatever storage does meanwhile: a conflict
with another instance is decided again, an unavailable database is waited for, and a command
whose value the database refuses is found by deciding the commands one per transaction, so
the others still go through."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Sequence
from typing import NamedTuple

from command_handler.backoff import Backoff
from command_handler.dependencies import Dependency
from command_handler.handling import DecodedCommand, HandledBatch, handle_commands
from command_handler.storage import (
    CommandStore,
    StorageConflictError,
    StorageUnavailableError,
    UnstorableError,
)

__all__ = ["BatchDecider", "Decided"]

_LOGGER = logging.getLogger("command_handler.loop")
# Conflicts decided again at once, before backing off.
_IMMEDIATE_CONFLICT_RETRIES = 3


class Decided(NamedTuple):
    """What to publish, and the commands storage refused (with the reason)."""

    handled: HandledBatch
    unstorable: list[tuple[DecodedCommand, str]]


class BatchDecider:
    """Decides and stores batches on `store`; `postgres` is how its outages are retried."""

    def __init__(
        self,
        store: CommandStore,
        rng: random.Random,
        *,
        postgres: Dependency,
        backoff: Backoff,
        stop: threading.Event,
    ) -> None:
        self._store = store
        self._rng = rng
        self._postgres = postgres
        self._backoff = backoff
        self._stop = stop

    def decide(self, commands: Sequence[DecodedCommand]) -> Decided | None:
        """Decide and commit `commands` (`rng` makes new ibans and tokens); None if
        stopped while storage was unavailable."""
        if not commands:
            return Decided(HandledBatch(), [])
        try:
            handled = self._decide_once(commands)
        except UnstorableError as exc:
            if len(commands) == 1:
                return Decided(HandledBatch(), [(commands[0], f"not storable: {exc}")])
            return self._one_by_one(commands)
        return None if handled is None else Decided(handled, [])

    def _decide_once(self, commands: Sequence[DecodedCommand]) -> HandledBatch | None:
        conflicts = 0
        while True:
            try:
                with self._store.transaction() as transaction:
                    handled = handle_commands(transaction, commands, self._rng)
                self._postgres.succeeded()
                return handled
            except StorageConflictError as exc:
                # Another instance answered one of these ids (or took a generated iban)
                # while we decided: decide again, now seeing its answer.
                conflicts += 1
                _LOGGER.info("batch conflicted, deciding again", extra={"error": str(exc)})
                if conflicts > _IMMEDIATE_CONFLICT_RETRIES and self._stop.wait(
                    self._backoff.next_delay_s()
                ):
                    return None
            except StorageUnavailableError as exc:
                if self._postgres.failed(exc):
                    return None

    def _one_by_one(self, commands: Sequence[DecodedCommand]) -> Decided | None:
        merged = Decided(HandledBatch(), [])
        for item in commands:
            decided = self.decide([item])
            if decided is None:
                return None
            merged.handled.outgoing.extend(decided.handled.outgoing)
            merged.handled.outcomes.extend(decided.handled.outcomes)
            merged.unstorable.extend(decided.unstorable)
        return merged
