"""The rendered `server.properties`: mutual TLS everywhere, replication by cluster size."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.internal_topics import INTERNAL_SEGMENT_BYTES
from stack.kafka_config import KafkaNode, render_log4j2, render_server_properties
from stack.ports import Ports


def _properties(node_id: int, brokers: int, offset: int = 0) -> dict[str, str]:
    node = KafkaNode(node_id, brokers, Path("/run/kafka/data"), Path("/run/certs"))
    text = render_server_properties(node, Ports(offset))
    pairs = [line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")]
    return dict(pairs)


def test_single_node_listens_only_on_ssl_with_client_auth() -> None:
    props = _properties(1, 1)
    assert props["listeners"] == "SSL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["listener.security.protocol.map"] == "SSL:SSL,CONTROLLER:SSL"
    assert "PLAINTEXT" not in "".join(props.values())
    assert props["ssl.client.auth"] == "required"
    assert props["ssl.keystore.type"] == "PEM"
    assert props["ssl.keystore.location"] == "/run/certs/kafka-1.keystore.pem"
    assert props["ssl.truststore.location"] == "/run/certs/ca.pem"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:9093"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert props["auto.create.topics.enable"] == "false"


def test_kafkas_own_topics_are_created_with_small_segments() -> None:
    props = _properties(1, 1)
    assert props["offsets.topic.segment.bytes"] == str(INTERNAL_SEGMENT_BYTES)
    assert props["transaction.state.log.segment.bytes"] == str(INTERNAL_SEGMENT_BYTES)
    assert INTERNAL_SEGMENT_BYTES < 16 * 1024 * 1024  # Kafka's default is 100 MiB


def test_principal_mapping_keeps_the_common_name() -> None:
    rule = _properties(1, 1)["ssl.principal.mapping.rules"]
    assert rule.startswith("RULE:^CN=([^,]+)")
    assert rule.endswith(",DEFAULT")


@pytest.mark.parametrize("node_id", [1, 2, 3])
def test_three_nodes_replicate_three_times_with_two_in_sync(node_id: int) -> None:
    props = _properties(node_id, 3, offset=1000)
    step = 100 * (node_id - 1)
    assert props["node.id"] == str(node_id)
    assert props["listeners"] == (
        f"SSL://127.0.0.1:{10092 + step},CONTROLLER://127.0.0.1:{10093 + step}"
    )
    assert props["controller.quorum.bootstrap.servers"] == (
        "127.0.0.1:10093,127.0.0.1:10193,127.0.0.1:10293"
    )
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        assert props[key] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["transaction.state.log.min.isr"] == "2"


def test_log4j_writes_to_stdout() -> None:
    text = render_log4j2()
    assert "appender.out.type = Console" in text
    assert "rootLogger.level = INFO" in text
