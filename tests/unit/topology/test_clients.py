"""Unit tests of `topology.clients`: the low-latency defaults and the TLS settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from topology.clients import admin_config, consumer_config, producer_config, registry_config
from topology.settings import KafkaSettings, RegistrySettings

TLS = KafkaSettings(
    bootstrap_servers="127.0.0.1:9092",
    ssl_ca_location=Path("/c/ca.pem"),
    ssl_certificate_location=Path("/c/backend.pem"),
    ssl_key_location=Path("/c/backend.key"),
)


def test_producer_is_low_latency_idempotent_and_mutual_tls() -> None:
    config = producer_config(TLS, client_id="backend")
    assert config["linger.ms"] in (0, 1)
    assert config["enable.idempotence"] is True
    assert config["acks"] == "all"
    assert config["client.id"] == "backend"
    assert config["security.protocol"] == "SSL"
    assert config["ssl.ca.location"] == "/c/ca.pem"
    assert config["ssl.certificate.location"] == "/c/backend.pem"
    assert config["ssl.key.location"] == "/c/backend.key"
    assert "transactional.id" not in config


def test_every_producer_of_the_bank_compresses_what_the_history_keeps() -> None:
    from command_handler.kafka.clients import producer_settings
    from command_handler.settings import CommandHandlerSettings

    assert producer_config(TLS, client_id="backend")["compression.type"] == "zstd"
    handler = producer_settings(CommandHandlerSettings(), TLS)
    assert handler["compression.type"] == "zstd"


def test_transactional_producer_times_out_messages_before_the_transaction() -> None:
    config = producer_config(TLS, client_id="h", transactional_id="command-handler-0")
    assert config["transactional.id"] == "command-handler-0"
    assert int(config["message.timeout.ms"]) < int(config["transaction.timeout.ms"])


def test_consumer_stores_offsets_only_when_the_caller_says() -> None:
    config = consumer_config(TLS, client_id="command-handler", group_id="command-handler")
    assert config["group.id"] == "command-handler"
    assert config["enable.auto.offset.store"] is False
    assert config["auto.offset.reset"] == "earliest"
    assert config["fetch.min.bytes"] == 1
    assert int(config["queued.max.messages.kbytes"]) <= 16384
    relaxed = consumer_config(
        TLS,
        client_id="b",
        group_id="b",
        store_offsets_after_processing=False,
        auto_offset_reset="latest",
    )
    assert relaxed["enable.auto.offset.store"] is True
    assert relaxed["auto.offset.reset"] == "latest"


def test_a_named_instance_is_a_static_member_of_its_group() -> None:
    dynamic = consumer_config(TLS, client_id="p", group_id="backend-projector")
    static = consumer_config(TLS, client_id="p", group_id="backend-projector", instance="0")
    assert "group.instance.id" not in dynamic
    assert static["group.instance.id"] == "backend-projector-0"


def test_a_full_prefetch_queue_is_fetched_again_within_milliseconds() -> None:
    # librdkafka's default (1 s) starves a consumer with a small prefetch queue mid-drain.
    config = consumer_config(TLS, client_id="command-handler", group_id="command-handler")
    assert int(config["fetch.queue.backoff.ms"]) <= 20


def test_overrides_win() -> None:
    config = producer_config(TLS, client_id="bench", overrides={"linger.ms": 5})
    assert config["linger.ms"] == 5


def test_plaintext_has_no_tls_files_and_key_password_is_passed() -> None:
    plain = KafkaSettings(security_protocol="PLAINTEXT", ssl_ca_location=Path("/c/ca.pem"))
    assert "ssl.ca.location" not in admin_config(plain, client_id="a")
    with_password = TLS.model_copy(update={"ssl_key_password": SecretStr("pw")})
    assert admin_config(with_password, client_id="a")["ssl.key.password"] == "pw"


def test_registry_config_strips_trailing_slash_and_bounds_retries() -> None:
    config = registry_config(RegistrySettings(url="http://127.0.0.1:8081/apis/ccompat/v7/"))
    assert config["url"] == "http://127.0.0.1:8081/apis/ccompat/v7"
    assert int(config["max.retries"]) <= 3
