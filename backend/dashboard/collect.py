"""One dashboard sample from every source, read side by side.

Sources: the handler's ``/metrics`` (answers, and its command latency), the backend's
own registry (the API's request → answer latency), the Admin API (lag per group, end
offsets of ``commands``) and /proc (CPU and RSS per component). A source that does not
answer leaves its figures out of this sample; the others still arrive.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from backend.dashboard.exposition import counter_total, histogram
from backend.dashboard.processes import component_usage
from backend.dashboard.sample import Histogram, Sample, Usage
from backend.kafka.lag import LagReader

__all__ = ["API_LATENCY", "COMMAND_LATENCY", "Collector"]

COMMAND_LATENCY = "command"
"""The handler's histogram: a command's Kafka timestamp → its answer's transaction committed."""
API_LATENCY = "api"
"""The backend's histogram: a command published by the API → its answer back in the API."""

_log = logging.getLogger(__name__)
_SCRAPE_TIMEOUT_S = 0.8
_HANDLER = "open_bank_command_handler_"


class Collector:
    """Makes one Sample per call; owns its HTTP client (``aclose()`` at shutdown)."""

    def __init__(
        self,
        *,
        handler_metrics_url: str,
        own_metrics: Callable[[], bytes],
        lag: LagReader,
        supervisor_socket: Path | None,
    ) -> None:
        self._handler_url = handler_metrics_url
        self._own_metrics = own_metrics
        self._lag = lag
        self._supervisor_socket = supervisor_socket
        self._http = httpx.AsyncClient(timeout=_SCRAPE_TIMEOUT_S)
        self._silent: set[str] = set()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _note(self, source: str, error: BaseException | None) -> None:
        # One line when a source stops answering and one when it is back, not one a second.
        if error is not None and source not in self._silent:
            self._silent.add(source)
            _log.warning("dashboard: %s unreadable (%s); its figures are left out", source, error)
        elif error is None and source in self._silent:
            self._silent.discard(source)
            _log.info("dashboard: %s readable again", source)

    async def _handler_text(self) -> str | None:
        try:
            response = await self._http.get(self._handler_url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            self._note("the command handler's metrics", error)
            return None
        self._note("the command handler's metrics", None)
        return response.text

    def _usage(self) -> dict[str, Usage]:
        if self._supervisor_socket is None:
            return {}
        return component_usage(self._supervisor_socket)

    async def __call__(self) -> Sample:
        at = time.time()
        handler_text, reading, usage = await asyncio.gather(
            self._handler_text(),
            asyncio.to_thread(self._lag.read),
            asyncio.to_thread(self._usage),
        )
        latency: dict[str, Histogram] = {}
        answers: float | None = None
        if handler_text is not None:
            answers = counter_total(handler_text, f"{_HANDLER}commands")
            found = histogram(handler_text, f"{_HANDLER}command_latency_seconds")
            if found is not None:
                latency[COMMAND_LATENCY] = found
        own = histogram(self._own_metrics().decode(), "backend_result_latency_seconds")
        if own is not None:
            latency[API_LATENCY] = own
        return Sample(
            at=at,
            commands_total=reading.commands_end,
            answers_total=answers,
            latency=latency,
            lag=reading.lag,
            components=usage,
        )
