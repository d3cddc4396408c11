"""A small GraphQL-over-WebSocket client speaking both subscription protocols.

Used by the API benchmark and the integration tests to talk to the backend as a browser does:
``graphql-transport-ws`` (subscribe/next/complete) and the legacy Apollo
``graphql-ws`` (start/data/stop). One connection multiplexes many operations.
"""

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Literal, Self

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

__all__ = ["GraphQLWebSocket", "OperationFailedError", "Protocol"]

Protocol = Literal["graphql-transport-ws", "graphql-ws"]
_END = object()


class OperationFailedError(RuntimeError):
    """The server answered an operation with a protocol-level error message."""

    def __init__(self, payload: object) -> None:
        super().__init__(f"operation failed: {payload}")
        self.payload = payload


class GraphQLWebSocket:
    """One WebSocket connection; ``subscribe`` yields each result payload (data/errors)."""

    def __init__(self, url: str, protocol: Protocol, local_address: str | None = None) -> None:
        """`local_address`: the loopback address to connect from (tests that must not share
        127.0.0.1's per-address limits with later tests); None lets the system choose."""
        self._url = url
        self.protocol = protocol
        self._local_address = local_address
        self._connection: ClientConnection | None = None
        self._queues: dict[str, asyncio.Queue[object]] = {}
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        local_addr = None if self._local_address is None else (self._local_address, 0)
        self._connection = await connect(
            self._url,
            subprotocols=[Subprotocol(self.protocol)],
            compression=None,
            local_addr=local_addr,  # passed on to loop.create_connection
        )
        await self._send({"type": "connection_init", "payload": {}})
        while True:
            message = json.loads(await self._connection.recv())
            if message["type"] == "connection_ack":
                break
            if message["type"] not in {"ka", "ping"}:
                raise OperationFailedError(message)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._connection is not None:
            await self._connection.close()

    @asynccontextmanager
    async def operation(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Start an operation; the yielded iterator gives each result payload.

        `extensions` go with the operation (the page sends its `traceparent` there). Leaving
        the block stops the operation on the server.
        """
        operation_id = str(next(self._ids))
        queue: asyncio.Queue[object] = asyncio.Queue()
        self._queues[operation_id] = queue
        start = "subscribe" if self.protocol == "graphql-transport-ws" else "start"
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        if extensions:
            payload["extensions"] = extensions
        await self._send({"id": operation_id, "type": start, "payload": payload})
        try:
            yield self._results(queue)
        finally:
            self._queues.pop(operation_id, None)
            stop = "complete" if self.protocol == "graphql-transport-ws" else "stop"
            if (
                self._connection is not None
                and self._reader is not None
                and not self._reader.done()
            ):
                await self._send({"id": operation_id, "type": stop})

    async def first(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The first result payload of an operation (a one-shot subscription)."""
        async with self.operation(query, variables, extensions) as results:
            async for result in results:
                return result
        raise OperationFailedError("completed without a result")

    @staticmethod
    async def _results(queue: asyncio.Queue[object]) -> AsyncIterator[dict[str, Any]]:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, OperationFailedError):
                raise item
            if isinstance(item, dict):
                yield item

    async def _send(self, message: dict[str, Any]) -> None:
        if self._connection is None:
            raise RuntimeError("not connected")
        await self._connection.send(json.dumps(message))

    async def _read(self) -> None:
        if self._connection is None:
            raise RuntimeError("not connected")
        try:
            async for raw in self._connection:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await self._send({"type": "pong"})
                    continue
                queue = self._queues.get(message.get("id", ""))
                if queue is None:
                    continue
                if kind in {"next", "data"}:
                    queue.put_nowait(message["payload"])
                elif kind == "error":
                    queue.put_nowait(OperationFailedError(message.get("payload")))
                elif kind == "complete":
                    queue.put_nowait(_END)
        finally:
            for queue in self._queues.values():
                queue.put_nowait(_END)
