"""Rendering of a Kafka KRaft node's `server.properties` and its Log4j2 configuration (pure).

Every node runs broker and controller in one JVM. All listeners speak SSL with
`ssl.client.auth=required`: there is no plaintext listener an application could reach, and
the controller quorum is authenticated the same way. `ssl.principal.mapping.rules` turns
the subject `CN=backend` into the principal `User:backend`, and KRaft's `StandardAuthorizer`
lets each principal do only what `stack.acls` allows; the brokers are the only super users.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stack.acls import super_users
from stack.certs import broker_name
from stack.internal_topics import INTERNAL_SEGMENT_BYTES
from stack.ports import LOOPBACK, Ports

__all__ = [
    "TRANSACTION_ABORT_CHECK_MS",
    "TRANSACTION_MAX_TIMEOUT_MS",
    "KafkaNode",
    "render_log4j2",
    "render_server_properties",
]

# The longest transaction time-out a producer may ask for (Kafka's default is 15 min). The
# coordinator aborts a live transaction after its time-out, at its next look for expired ones
# (every `TRANSACTION_ABORT_CHECK_MS`, Kafka's default written out), so a transaction whose
# last write is older than both together can only be a hanging one (stack.transaction_janitor).
TRANSACTION_MAX_TIMEOUT_MS = 45_000
TRANSACTION_ABORT_CHECK_MS = 10_000

# `CN=backend` (possibly followed by more RDNs) → `backend`; anything else keeps Kafka's default.
PRINCIPAL_MAPPING_RULES = "RULE:^CN=([^,]+).*$/$1/,DEFAULT"


@dataclass(frozen=True)
class KafkaNode:
    """One node of a cluster of `brokers` nodes, with its files."""

    node_id: int
    brokers: int
    data_dir: Path
    certs_dir: Path

    @property
    def name(self) -> str:
        return broker_name(self.node_id)

    @property
    def min_insync_replicas(self) -> int:
        # As the original ran: three brokers, replication 3, min.insync.replicas 2.
        return 2 if self.brokers >= 3 else 1

    @property
    def replication_factor(self) -> int:
        return min(self.brokers, 3)


def render_server_properties(node: KafkaNode, ports: Ports) -> str:
    """The `server.properties` of `node`."""
    quorum = ",".join(
        f"{LOOPBACK}:{ports.controller(other)}" for other in range(1, node.brokers + 1)
    )
    replication = node.replication_factor
    min_isr = node.min_insync_replicas
    keystore = node.certs_dir / f"{node.name}.keystore.pem"
    truststore = node.certs_dir / "ca.pem"
    lines = {
        "process.roles": "broker,controller",
        "node.id": str(node.node_id),
        "controller.quorum.bootstrap.servers": quorum,
        "controller.listener.names": "CONTROLLER",
        "listeners": (
            f"SSL://{LOOPBACK}:{ports.broker(node.node_id)},"
            f"CONTROLLER://{LOOPBACK}:{ports.controller(node.node_id)}"
        ),
        "advertised.listeners": (
            f"SSL://{LOOPBACK}:{ports.broker(node.node_id)},"
            f"CONTROLLER://{LOOPBACK}:{ports.controller(node.node_id)}"
        ),
        "inter.broker.listener.name": "SSL",
        "listener.security.protocol.map": "SSL:SSL,CONTROLLER:SSL",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(keystore),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(truststore),
        "ssl.client.auth": "required",
        "ssl.endpoint.identification.algorithm": "https",
        "ssl.principal.mapping.rules": PRINCIPAL_MAPPING_RULES,
        # Least privilege: no ACL, no access (stack.acls creates them at every `up`).
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found": "false",
        "super.users": super_users(node.brokers),
        "log.dirs": str(node.data_dir),
        "num.partitions": "1",
        "default.replication.factor": str(replication),
        "min.insync.replicas": str(min_isr),
        "offsets.topic.replication.factor": str(replication),
        "transaction.state.log.replication.factor": str(replication),
        "transaction.state.log.min.isr": str(min_isr),
        "share.coordinator.state.topic.replication.factor": str(replication),
        "share.coordinator.state.topic.min.isr": str(min_isr),
        "group.initial.rebalance.delay.ms": "0",
        # A restarted node registers again only once the controller has fenced its previous
        # incarnation, one session after the controller starts: 9 s by default, most of a
        # single broker's restart. Heartbeats every 0.5 s still leave 8 per session.
        "broker.session.timeout.ms": "4000",
        "broker.heartbeat.interval.ms": "500",
        "transaction.max.timeout.ms": str(TRANSACTION_MAX_TIMEOUT_MS),
        "transaction.abort.timed.out.transaction.cleanup.interval.ms": str(
            TRANSACTION_ABORT_CHECK_MS
        ),
        "auto.create.topics.enable": "false",
        # Small segments and a short check keep the disk use of a laptop stack small.
        "log.segment.bytes": str(64 * 1024 * 1024),
        "log.retention.check.interval.ms": str(60_000),
        # Read whole by a restarted broker before its coordinators answer; compaction
        # keeps them small only with small segments (stack/internal_topics.py).
        "offsets.topic.segment.bytes": str(INTERNAL_SEGMENT_BYTES),
        "transaction.state.log.segment.bytes": str(INTERNAL_SEGMENT_BYTES),
    }
    body = "\n".join(f"{key}={value}" for key, value in lines.items())
    return f"# Rendered by `python -m stack`; edits are overwritten at the next `up`.\n{body}\n"


def render_log4j2() -> str:
    """Log4j2 properties: INFO to stdout (the stack sends stdout to the node's log file)."""
    return "\n".join(
        [
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = STDOUT",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.out.ref = STDOUT",
            # The state change and request loggers are chatty at INFO and say little here.
            "logger.state.name = state.change.logger",
            "logger.state.level = WARN",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = WARN",
            "",
        ]
    )
