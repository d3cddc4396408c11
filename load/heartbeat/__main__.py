"""``python -m load.heartbeat``: the heartbeat service with its control API.

One asyncio loop runs the sender and the control API (uvicorn). SIGTERM or SIGINT stop
both; queued beats get up to 10 s to be delivered before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator

import uvicorn
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient

from load.heartbeat.api import create_control_app
from load.heartbeat.control import LoadControl, LoadSetting
from load.heartbeat.sender import HeartbeatSender
from load.settings import HeartbeatSettings
from topology.clients import producer_config, registry_config
from topology.records import Heartbeat
from topology.repeated_logs import with_quiet_logs
from topology.serde import RecordSerde
from topology.settings import KafkaSettings, RegistrySettings
from topology.topics import HEARTBEAT

__all__ = ["main"]

log = logging.getLogger("load.heartbeat")

_FLUSH_TIMEOUT_S = 10.0


class _ControlServer(uvicorn.Server):
    """uvicorn without its own signal handling: this service stops sender and API together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: HeartbeatSettings) -> None:
    control = LoadControl(LoadSetting(batch_size=settings.batch_size, sleep_ms=settings.sleep_ms))
    producer = Producer(with_quiet_logs(producer_config(KafkaSettings(), client_id="heartbeat")))
    serde = RecordSerde(SchemaRegistryClient(registry_config(RegistrySettings())))
    loop = asyncio.get_running_loop()
    # The first serialize looks the schema id up in the registry (HTTP): off the loop.
    await loop.run_in_executor(None, serde.serialize, HEARTBEAT, Heartbeat(beat=0))

    def serialize(beat: Heartbeat) -> bytes:
        return serde.serialize(HEARTBEAT, beat)

    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    server = _ControlServer(
        uvicorn.Config(
            create_control_app(control),
            host=settings.host,
            port=settings.control_port(),
            log_level="warning",
            lifespan="off",
        )
    )
    api = asyncio.create_task(server.serve())
    log.info("heartbeat: %s on control port %d", control.snapshot(), settings.control_port())
    try:
        sender = asyncio.create_task(HeartbeatSender(producer, serialize, control).run(stop))
        done, _ = await asyncio.wait({api, sender}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # A crashed API or sender stops the service loudly.
    finally:
        stop.set()
        server.should_exit = True
        await asyncio.gather(api, return_exceptions=True)
        left = await loop.run_in_executor(None, producer.flush, _FLUSH_TIMEOUT_S)
        log.info("heartbeat stopped: %s, %d not flushed", control.snapshot(), left)


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("OPEN_BANK_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # The registry client logs every HTTP request at INFO; only its problems matter here.
    for noisy in ("httpx", "httpx2"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    asyncio.run(serve(HeartbeatSettings()))


if __name__ == "__main__":
    main()
