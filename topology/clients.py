"""confluent-kafka client configuration, in one place, tuned for request/reply latency.

The original's ~300 ms latency floor came from `linger.ms=100` on two producer hops; every
value below says why it is what it is. Callers give their own `client_id` (and `group_id`),
so the broker's logs and metrics name the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

from topology.settings import KafkaSettings, RegistrySettings

__all__ = [
    "ClientConfig",
    "admin_config",
    "consumer_config",
    "producer_config",
    "registry_config",
]

ClientConfig: TypeAlias = dict[str, str | int | float | bool]
"""A librdkafka configuration dict, as `confluent_kafka.Producer(...)` takes it."""

_PRODUCER_DEFAULTS: Final[Mapping[str, str | int | bool]] = {
    # Send at most 1 ms after a message is produced (librdkafka's default is 5 ms, the
    # original's 100 ms): replies are on a person's critical path. 1 ms rather than 0 still
    # lets a burst of thousands of messages per second share a request.
    "linger.ms": 1,
    # No duplicates or reordering when librdkafka retries a request after a lost reply.
    "enable.idempotence": True,
    # A message counts as sent only when every in-sync replica has it (required by
    # idempotence; costs nearly nothing on a local cluster).
    "acks": "all",
    # Give up on a message after 30 s rather than the default 5 min, so a broken cluster
    # surfaces as a delivery error while someone is still waiting; at most the transaction
    # timeout (45 s here) as librdkafka requires for transactional producers.
    "message.timeout.ms": 30_000,
    # The history topics keep every record for good: zstd halves what a burst of the
    # generator's mix takes on disk (`python -m bench compression`, docs/topology.md) for
    # little CPU at ~100-byte records.
    "compression.type": "zstd",
}

_CONSUMER_DEFAULTS: Final[Mapping[str, str | int | bool]] = {
    # Answer a fetch as soon as one byte is there: the broker never holds data back.
    "fetch.min.bytes": 1,
    # Only bounds how long the broker parks a fetch when there is nothing to read: new data,
    # and for read_committed readers a commit marker, completes a parked fetch at once.
    # 100 ms keeps an idle consumer responsive to newly assigned partitions.
    "fetch.wait.max.ms": 100,
    # Prefetch queue per consumer: 8 MiB (librdkafka's default is 64 MiB) is tens of seconds
    # of our traffic and keeps the resident memory of each service low.
    "queued.max.messages.kbytes": 8192,
    # When the prefetch queue is full, fetch again 10 ms later, not librdkafka's default
    # 1,000 ms, which leaves a small queue empty mid-drain while the consumer waits.
    "fetch.queue.backoff.ms": 10,
    # When instances join or leave, move only the partitions that must move: the others
    # keep being consumed during a rebalance.
    "partition.assignment.strategy": "cooperative-sticky",
    # Commit stored offsets in the background every second (see enable.auto.offset.store).
    "enable.auto.commit": True,
    "auto.commit.interval.ms": 1000,
}

_COMMON_DEFAULTS: Final[Mapping[str, str | int | bool]] = {
    # Send small requests at once instead of waiting to coalesce them (Nagle adds up to
    # 40 ms to a lone small request).
    "socket.nagle.disable": True,
    # While a broker restarts, try to reconnect at least every second: librdkafka's
    # back-off grows to 10 s by default, which would add up to 10 s to every restart.
    "reconnect.backoff.max.ms": 1000,
    # A restarting broker can answer metadata with no broker in it; librdkafka then drops
    # the broker it knew and, with none left, re-bootstraps only after this long without
    # an answer to its metadata requests (5 min by default).
    "metadata.recovery.rebootstrap.trigger.ms": 10_000,
}

# The brokers' transaction.max.timeout.ms (`stack.kafka_config`) refuses anything longer.
_TRANSACTION_TIMEOUT_MS: Final = 45_000


def _connection(settings: KafkaSettings, client_id: str) -> ClientConfig:
    config: ClientConfig = {
        "bootstrap.servers": settings.bootstrap_servers,
        "client.id": client_id,
        "security.protocol": settings.security_protocol,
        **_COMMON_DEFAULTS,
    }
    if settings.security_protocol == "SSL":
        # Mutual TLS: the brokers check our certificate and we check theirs (host name
        # included, librdkafka's default), so no plaintext path exists.
        if settings.ssl_ca_location is not None:
            config["ssl.ca.location"] = str(settings.ssl_ca_location)
        if settings.ssl_certificate_location is not None:
            config["ssl.certificate.location"] = str(settings.ssl_certificate_location)
        if settings.ssl_key_location is not None:
            config["ssl.key.location"] = str(settings.ssl_key_location)
        if settings.ssl_key_password is not None:
            config["ssl.key.password"] = settings.ssl_key_password.get_secret_value()
    return config


def producer_config(
    settings: KafkaSettings,
    *,
    client_id: str,
    transactional_id: str | None = None,
    overrides: Mapping[str, str | int | float | bool] | None = None,
) -> ClientConfig:
    """Config of a low-latency, idempotent producer.

    `transactional_id` (unique per instance) makes it transactional, for apps that write
    their output and their consumer offsets atomically. `overrides` win over every default.
    """
    config = _connection(settings, client_id)
    config.update(_PRODUCER_DEFAULTS)
    if transactional_id is not None:
        config["transactional.id"] = transactional_id
        # How long the broker lets an open transaction live before aborting it (ms).
        config["transaction.timeout.ms"] = _TRANSACTION_TIMEOUT_MS
        # No re-bootstrap when every broker is gone: under an open transaction it left the
        # in-flight messages waiting for a drain that never ended, and the commit hung.
        # Other clients keep librdkafka's default: a restarting broker can answer metadata
        # with no broker in it, after which "none" would leave a client none to ask again;
        # a transactional producer left so times out, and the handler replaces it.
        config["metadata.recovery.strategy"] = "none"
    config.update(overrides or {})
    return config


def consumer_config(
    settings: KafkaSettings,
    *,
    client_id: str,
    group_id: str,
    auto_offset_reset: Literal["earliest", "latest"] = "earliest",
    store_offsets_after_processing: bool = True,
    instance: str | None = None,
    overrides: Mapping[str, str | int | float | bool] | None = None,
) -> ClientConfig:
    """Config of a low-latency consumer in group `group_id`.

    An `instance` makes it the static member ``<group_id>-<instance>``: after a restart it
    takes its dead predecessor's place at once, where a dynamic member's join waits for the
    dead one up to the rebalance time-out (five minutes). Give each consumer of the group
    that runs at the same time its own.

    With `store_offsets_after_processing` (the default) librdkafka commits only offsets the
    caller stored with `consumer.store_offsets(message)`, which it does after its own
    database commit (or after producing its output): a crash in between replays the
    message instead of losing it. `auto_offset_reset` applies when the group has no
    committed offset yet: `earliest` so no command is ever skipped, `latest` for consumers
    that only care about what happens from now on.
    """
    config = _connection(settings, client_id)
    config.update(_CONSUMER_DEFAULTS)
    config["group.id"] = group_id
    config["auto.offset.reset"] = auto_offset_reset
    # False: the caller stores each offset itself once the message's effects are durable.
    config["enable.auto.offset.store"] = not store_offsets_after_processing
    if instance is not None:
        config["group.instance.id"] = f"{group_id}-{instance}"
    config.update(overrides or {})
    return config


def admin_config(settings: KafkaSettings, *, client_id: str) -> ClientConfig:
    """Config of an admin client (creating and describing topics)."""
    return _connection(settings, client_id)


def registry_config(settings: RegistrySettings) -> dict[str, str | int | float]:
    """Config of a `confluent_kafka.schema_registry.SchemaRegistryClient`.

    Two retries with short waits: the registry is local, and a service that cannot reach
    it at start should fail within seconds, not minutes (the client's default waits up to
    20 s between retries).
    """
    config: dict[str, str | int | float] = {
        "url": settings.url.rstrip("/"),
        "timeout": settings.timeout_s,
        "max.retries": 2,
        "retries.wait.ms": 200,
        "retries.max.wait.ms": 1000,
    }
    if settings.ssl_ca_location is not None:
        config["ssl.ca.location"] = str(settings.ssl_ca_location)
    if settings.ssl_certificate_location is not None:
        config["ssl.certificate.location"] = str(settings.ssl_certificate_location)
    if settings.ssl_key_location is not None:
        config["ssl.key.location"] = str(settings.ssl_key_location)
    return config
