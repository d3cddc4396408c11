"""The one producer of the backend: commands to the ``commands`` topic.

``produce()`` only enqueues (librdkafka sends at once: ``linger.ms`` 0); a
thread polls for delivery reports and bridges failures to the waiting request.
"""

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from opentelemetry.trace import Span

from backend.errors import ClientError
from backend.outcomes import TransferCommand
from backend.tracing import command_span
from topology.records import Atype, ConfirmAccountCreation, ConfirmMoneyTransfer, Record
from topology.serde import RecordSerde
from topology.topics import COMMANDS

__all__ = ["CommandProducer", "PublishFailedError"]

_log = logging.getLogger(__name__)
_RETRY_AFTER_MS = 2000


class PublishFailedError(ClientError):
    """The command could not be handed to Kafka; nothing was sent, so the same request
    may be sent again (Kafka is down or restarting, or the queue is full)."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"command not sent: {detail}; try again in {_RETRY_AFTER_MS / 1000:g} s",
            "PUBLISH_FAILED",
            dependency="kafka",
            retry_after_ms=str(_RETRY_AFTER_MS),
        )


class CommandProducer:
    """``CommandPublisher`` over confluent_kafka's Producer, with a poll thread."""

    def __init__(
        self,
        config: dict[str, Any],
        serde: RecordSerde,
        loop: asyncio.AbstractEventLoop,
        on_failure: Callable[[UUID, BaseException], None],
        on_acked: Callable[[float], None] | None = None,
    ) -> None:
        """``on_failure`` runs on ``loop``; ``on_acked`` gets each command's produce-to-ack
        time in seconds, in the poll thread (metrics)."""
        self._on_acked = on_acked
        self._producer = Producer(config)
        self._serde = serde
        self._loop = loop
        self._on_failure = on_failure
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="backend-producer", daemon=True)

    def start(self) -> None:
        """Look up the command schemas once (off the loop's hot path) and start polling."""
        self._poller.start()

    def warm_up(self) -> None:
        """Serialise one command of each type so the registry lookups happen now.

        Blocking (registry HTTP): run it in a thread before serving.
        """
        self._serde.serialize(COMMANDS, ConfirmAccountCreation(UUID(int=0), Atype.MANUAL))
        self._serde.serialize(COMMANDS, ConfirmMoneyTransfer(UUID(int=0), "", 1, "", "", ""))

    def send_account_creation(self, command_id: UUID) -> None:
        self._send(command_id, ConfirmAccountCreation(id=command_id, a_type=Atype.MANUAL))

    def send_money_transfer(self, command: TransferCommand) -> None:
        self._send(
            command.uuid,
            ConfirmMoneyTransfer(
                id=command.uuid,
                token=command.token,
                amount=command.amount_cents,
                from_=command.from_,
                to=command.to,
                description=command.description,
            ),
        )

    def list_topics(self, timeout_s: float) -> int:
        """Number of topics the cluster reports (a health probe; blocking)."""
        return len(self._producer.list_topics(timeout=timeout_s).topics)

    def close(self, timeout_s: float = 5.0) -> None:
        """Flush what is queued, then stop the poll thread (blocking)."""
        remaining = self._producer.flush(timeout_s)
        if remaining:
            _log.warning("%d commands still unsent at shutdown", remaining)
        self._stopping.set()
        if self._poller.is_alive():
            self._poller.join(timeout_s)

    def _send(self, command_id: UUID, record: Record) -> None:
        value = self._serde.serialize(COMMANDS, record)
        key = str(command_id)
        span, headers = command_span(record)
        try:
            self._producer.produce(
                COMMANDS.name,
                key=key.encode(),
                value=value,
                headers=headers,
                on_delivery=lambda error, message: self._delivered(
                    command_id, error, message, span
                ),
            )
        except BufferError:
            span.end()
            raise PublishFailedError("producer queue is full, try again") from None
        except KafkaException as exc:
            span.end()
            raise PublishFailedError(str(exc.args[0])) from exc

    def _delivered(
        self, command_id: UUID, error: KafkaError | None, message: Message, span: Span
    ) -> None:
        # Runs in the poll thread.
        span.end()
        if error is None:
            if self._on_acked is not None:
                self._on_acked(message.latency() or 0.0)
        else:
            _log.error("command %s not delivered: %s", command_id, error)
            self._loop.call_soon_threadsafe(
                self._on_failure, command_id, PublishFailedError(error.str())
            )

    def _poll(self) -> None:
        while not self._stopping.is_set():
            self._producer.poll(0.1)
