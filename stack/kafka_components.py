"""The Kafka nodes of the stack: a KRaft cluster of one or three, formatted once, with mutual
TLS and the ACLs of `stack.acls` applied once per cluster."""

from __future__ import annotations

import subprocess
import sys
import uuid
from base64 import urlsafe_b64encode
from collections.abc import Callable
from typing import TextIO

from stack import downloads
from stack.component import Component
from stack.downloads import require_tool
from stack.errors import StackError
from stack.health import kafka_metadata_ok
from stack.kafka_config import KafkaNode, render_log4j2, render_server_properties
from stack.layout import StackLayout
from stack.ports import LOOPBACK

__all__ = ["kafka_components"]


def _kafka_uuid() -> str:
    """Kafka's Uuid.toString(): URL-safe base64 of 16 bytes without padding. Like Kafka's
    own Uuid.randomUuid(), never one that starts with `-`: `kafka-storage format -t <id>`
    takes such an id for an option and refuses to format (one fresh stack in 64)."""
    while True:
        text = urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def kafka_components(layout: StackLayout, brokers: int) -> list[Component]:
    cluster_dir = layout.kafka_cluster_dir(brokers)
    cluster_id_file = cluster_dir / "cluster-id"

    def cluster_id() -> str:
        cluster_dir.mkdir(parents=True, exist_ok=True)
        if not cluster_id_file.exists():
            cluster_id_file.write_text(_kafka_uuid() + "\n")
        return cluster_id_file.read_text().strip()

    def directory_ids() -> dict[int, str]:
        # Fixed per cluster so every node is formatted with the same initial voter set.
        path = cluster_dir / "directory-ids"
        if not path.exists():
            path.write_text("\n".join(_kafka_uuid() for _ in range(brokers)) + "\n")
        ids = path.read_text().split()
        return {node: ids[node - 1] for node in range(1, brokers + 1)}

    components = []
    for node_id in range(1, brokers + 1):
        node = KafkaNode(
            node_id, brokers, cluster_dir / f"node-{node_id}" / "data", layout.certs_dir
        )
        components.append(_kafka_component(layout, node, cluster_id, directory_ids))
    return components


def _kafka_component(
    layout: StackLayout,
    node: KafkaNode,
    cluster_id: Callable[[], str],
    directory_ids: Callable[[], dict[int, str]],
) -> Component:
    node_dir = node.data_dir.parent
    properties = node_dir / "server.properties"
    log4j = node_dir / "log4j2.properties"
    name = node.name

    def prepare(out: TextIO) -> list[str]:
        java = require_tool("java", "openjdk-17-jre-headless")
        libs = downloads.ensure_kafka_libs(layout, out)
        node_dir.mkdir(parents=True, exist_ok=True)
        properties.write_text(render_server_properties(node, layout.ports))
        log4j.write_text(render_log4j2())
        classpath = f"{libs}/*"
        logging = f"-Dlog4j2.configurationFile={log4j}"
        if not (node.data_dir / "meta.properties").exists():
            _format_storage(layout, node, java, classpath, logging, cluster_id(), directory_ids())
        return [
            java,
            "-Xms256m",
            "-Xmx512m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            logging,
            "-cp",
            classpath,
            "kafka.Kafka",
            str(properties),
        ]

    port = layout.ports.broker(node.node_id)
    return Component(
        name=name,
        ports=(port, layout.ports.controller(node.node_id)),
        prepare=prepare,
        healthy=lambda: kafka_metadata_ok(port, node.node_id, layout.certs_dir, name),
        # Bounded but generous: on two busy cores a cold JVM has taken two minutes to answer.
        ready_timeout_s=180.0,
        cwd=node_dir,
        # Once per cluster, before the synchronizer and the services need their ACLs.
        after_ready=(lambda: _after_ready(layout, node.brokers)) if node.node_id == 1 else None,
        fix_hint="read the log (a changed --brokers needs ./bank down first)",
    )


def _after_ready(layout: StackLayout, brokers: int) -> None:
    _apply_acls(layout, brokers)
    _align_internal_topics(layout, brokers)


def _align_internal_topics(layout: StackLayout, brokers: int) -> None:
    """Small segments for Kafka's own topics made before server.properties asked for them."""
    from confluent_kafka import KafkaException

    from stack.internal_topics import INTERNAL_SEGMENT_BYTES, align_internal_topics

    try:
        changed = align_internal_topics(layout.ports.bootstrap_servers(brokers), layout.certs_dir)
    except KafkaException as exc:
        raise StackError(
            f"setting the segment size of Kafka's internal topics failed: {exc}",
            "read the log of kafka-1, then ./bank up again",
            layout.log_file("kafka-1"),
        ) from exc
    for topic in changed:
        sys.stderr.write(f"kafka {topic}: segment.bytes set to {INTERNAL_SEGMENT_BYTES}\n")


def _apply_acls(layout: StackLayout, brokers: int) -> None:
    """Make the cluster's ACLs exactly `stack.acls.acl_plan()` (idempotent)."""
    from confluent_kafka import KafkaException

    from stack.acls import apply_acls, is_authorizer_missing

    try:
        changes = apply_acls(layout.ports.bootstrap_servers(brokers), layout.certs_dir)
    except KafkaException as exc:
        if is_authorizer_missing(exc):
            # Brokers started by an older version of this code: they allow everything until
            # restarted with the authorizer (./bank down && ./bank up).
            sys.stderr.write("kafka runs without its authorizer: restart it to enforce ACLs\n")
            return
        raise StackError(
            f"setting Kafka's ACLs failed: {exc}",
            "read the log of kafka-1, then ./bank up again",
            layout.log_file("kafka-1"),
        ) from exc
    if changes.created or changes.deleted:
        sys.stderr.write(
            f"kafka ACLs: {len(changes.created)} created, {len(changes.deleted)} deleted\n"
        )


def _format_storage(
    layout: StackLayout,
    node: KafkaNode,
    java: str,
    classpath: str,
    logging: str,
    cluster_id: str,
    directory_ids: dict[int, str],
) -> None:
    """`StorageTool format`: `--standalone` for one node, the fixed voter set for three."""
    argv = [java, logging, "-cp", classpath, "kafka.tools.StorageTool", "format"]
    argv += ["-t", cluster_id, "-c", str(node.data_dir.parent / "server.properties")]
    if node.brokers == 1:
        argv.append("--standalone")
    else:
        voters = ",".join(
            f"{other}@{LOOPBACK}:{layout.ports.controller(other)}:{directory_ids[other]}"
            for other in range(1, node.brokers + 1)
        )
        argv += ["--initial-controllers", voters]
    log = layout.log_file(node.name)
    layout.logs_dir.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise StackError(
            f"formatting the storage of {node.name} failed",
            f"read the log, remove {node.data_dir} and run ./bank up again",
            log,
        )
