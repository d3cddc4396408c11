"""What the GraphQL API asks of the history topics: a live, sampled stream that opens on
the recent past, and the chain of one command. Over the process's one ``HistoryReader``
and its ``EventHub``; the searches run in a worker thread, never on the loop."""

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from typing import Protocol, TypeVar

from backend.event_hub import EventBatch, EventHub
from backend.event_search import CommandChain, command_chain, last_positions, recent_events
from backend.events import EventFilter, LoggedEvent, RawRecord

__all__ = ["EventLog", "RecordSource"]

_T = TypeVar("_T")


class RecordSource(Protocol):
    """What the event log needs of the reader (``HistoryReader``)."""

    def snapshot(self) -> list[RawRecord]: ...

    def decode(self, raw: RawRecord) -> LoggedEvent | None: ...


class EventLog:
    """The Events page's API over one reader and one hub."""

    def __init__(
        self,
        source: RecordSource,
        hub: EventHub,
        *,
        recent_limit: int = 100,
        chain_window_ms: int = 5_000,
    ) -> None:
        self._source = source
        self._hub = hub
        self._recent_limit = recent_limit
        self._chain_window_ms = chain_window_ms
        # One search at a time: each may decode thousands of records.
        self._searching = asyncio.Semaphore(1)

    async def stream(self, iban: str | None) -> AsyncGenerator[EventBatch, None]:
        """The recent past of ``iban`` (or of all accounts), then live batches."""
        wanted = EventFilter(iban)
        # Snapshot and subscribe in one step of the loop: every record after the
        # snapshot is held for the subscriber until the recent past is read.
        raws = self._source.snapshot()
        subscriber = self._hub.subscribe(wanted)
        try:
            recent, positions = await self._search(
                lambda: (
                    recent_events(raws, self._source.decode, wanted, self._recent_limit),
                    last_positions(raws),
                )
            )
        except BaseException:
            self._hub.unsubscribe(subscriber)
            raise
        self._hub.release(subscriber, positions)
        # aclosing: a client that stops its stream frees its place in the hub at once.
        async with aclosing(self._hub.stream(subscriber, recent)) as batches:
            async for batch in batches:
                yield batch

    async def chain(self, command_id: str) -> CommandChain:
        """Command ``command_id``, its answer and its balance changes, if still in the ring."""
        raws = self._source.snapshot()
        return await self._search(
            lambda: command_chain(raws, self._source.decode, command_id, self._chain_window_ms)
        )

    async def _search(self, search: Callable[[], _T]) -> _T:
        async with self._searching:
            return await asyncio.to_thread(search)
