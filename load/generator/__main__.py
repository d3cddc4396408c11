"""``python -m load.generator``: the command generator, with Prometheus metrics.

SIGTERM or SIGINT end the loop; the consumer leaves its group and queued commands get up
to 10 s to be delivered.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
from types import FrameType

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from prometheus_client import start_http_server

from load.generator.commands import GeneratorState
from load.generator.mix import GeneratedAccount
from load.generator.service import CLIENT_ID, GROUP_ID, GeneratorLoop
from load.settings import GeneratorSettings
from topology.clients import consumer_config, producer_config, registry_config
from topology.iban import COMPANY_IBAN
from topology.repeated_logs import with_quiet_logs
from topology.serde import RecordSerde
from topology.settings import CompanyAccountSettings, KafkaSettings, RegistrySettings
from topology.tracing import setup_tracing

__all__ = ["main"]

log = logging.getLogger("load.generator")

_FLUSH_TIMEOUT_S = 10.0


def run(settings: GeneratorSettings) -> None:
    kafka = KafkaSettings()
    company_token = CompanyAccountSettings().token.get_secret_value()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    port = settings.metrics_port_or_default()
    start_http_server(port, addr=settings.metrics_host)
    consumer = Consumer(
        with_quiet_logs(
            consumer_config(
                kafka,
                client_id=CLIENT_ID,
                group_id=GROUP_ID,
                # A new group starts at the newest beat: old beats are not load worth replaying.
                auto_offset_reset="latest",
                store_offsets_after_processing=False,
                instance=settings.instance,
            )
        )
    )
    producer = Producer(with_quiet_logs(producer_config(kafka, client_id=CLIENT_ID)))
    serde = RecordSerde(SchemaRegistryClient(registry_config(RegistrySettings())))
    company = GeneratedAccount(iban=COMPANY_IBAN, token=company_token)
    state = GeneratorState(company=company, rng=random.Random(settings.seed))
    log.info("command generator: metrics on port %d", port)
    try:
        GeneratorLoop(consumer, producer, serde, state).run(stop)
    finally:
        consumer.close()
        left = producer.flush(_FLUSH_TIMEOUT_S)
        log.info("command generator stopped; %d commands not flushed", left)


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("OPEN_BANK_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # The registry client logs every HTTP request at INFO; only its problems matter here.
    for noisy in ("httpx", "httpx2"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    setup_tracing("command-generator")
    run(GeneratorSettings())


if __name__ == "__main__":
    main()
