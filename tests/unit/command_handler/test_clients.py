"""The handler's Kafka clients, from the typed settings: exactly-once, no silent start."""

from __future__ import annotations

import pytest

from command_handler.kafka.clients import consumer_settings, producer_settings
from command_handler.settings import CommandHandlerSettings
from topology.settings import KafkaSettings


def test_the_clients_are_exactly_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN_BANK_COMMAND_HANDLER_INSTANCE", "b")
    settings = CommandHandlerSettings()
    kafka = KafkaSettings(bootstrap_servers="127.0.0.1:9092", security_protocol="PLAINTEXT")
    consumer = consumer_settings(settings, kafka)
    producer = producer_settings(settings, kafka)
    assert consumer["isolation.level"] == "read_committed"
    assert consumer["enable.auto.commit"] is False
    assert consumer["auto.offset.reset"] == "error"
    assert consumer["group.id"] == "command-handler"
    assert producer["transactional.id"] == "command-handler-b"
    assert producer["message.timeout.ms"] <= producer["transaction.timeout.ms"]


def test_the_session_outlives_a_broker_restart_and_heartbeats_stay_frequent() -> None:
    kafka = KafkaSettings(bootstrap_servers="127.0.0.1:9092", security_protocol="PLAINTEXT")
    consumer = consumer_settings(CommandHandlerSettings(), kafka)
    assert consumer["session.timeout.ms"] == 20_000
    # A member learns of a rebalance at its next heartbeat.
    assert consumer["heartbeat.interval.ms"] == 2_000
    short = consumer_settings(CommandHandlerSettings(session_timeout_ms=3_000), kafka)
    assert short["heartbeat.interval.ms"] == 1_000
