"""Client of the heartbeat's control API (``load.heartbeat.api``), used to raise the load."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["HeartbeatClient", "HeartbeatControlError"]


class HeartbeatControlError(RuntimeError):
    """The heartbeat's control API is unreachable or refused a setting."""


class HeartbeatClient:
    """Reads and changes the heartbeat's load over HTTP on loopback."""

    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def __aenter__(self) -> HeartbeatClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._http.aclose()

    async def _call(self, method: str, body: dict[str, int] | None = None) -> dict[str, Any]:
        try:
            response = await self._http.request(method, "/settings", json=body)
        except httpx.HTTPError as error:
            raise HeartbeatControlError(
                f"heartbeat control API at {self._http.base_url} unreachable: {error}"
            ) from error
        if response.status_code != httpx.codes.OK:
            raise HeartbeatControlError(
                f"heartbeat refused {body}: {response.status_code} {response.text}"
            )
        data: dict[str, Any] = response.json()
        return data

    async def read(self) -> dict[str, Any]:
        """Setting and counters: batch_size, sleep_ms, messages_per_second, produced, ..."""
        return await self._call("GET")

    async def set_load(self, batch_size: int, sleep_ms: int) -> dict[str, Any]:
        """Ask for ``batch_size`` beats every ``sleep_ms`` milliseconds."""
        return await self._call("PUT", {"batch_size": batch_size, "sleep_ms": sleep_ms})
