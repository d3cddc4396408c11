"""Health checks: a port that accepts connections, an HTTP answer, Kafka metadata over TLS."""

from __future__ import annotations

import logging
import socket
import urllib.error
import urllib.request
from pathlib import Path

from confluent_kafka.admin import AdminClient

from stack.ports import LOOPBACK

__all__ = ["http_ok", "kafka_metadata_ok", "port_open"]

# librdkafka reports every refused connection while a broker starts; the check only needs
# the answer, so its log goes to a logger nobody listens to.
_QUIET = logging.getLogger("stack.health.librdkafka")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def port_open(port: int, host: str = LOOPBACK, timeout_s: float = 0.5) -> bool:
    """True if something accepts TCP connections on `host:port`."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def http_ok(url: str, timeout_s: float = 2.0) -> bool:
    """True if `url` answers with a 2xx status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (our own loopback URL)
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def kafka_metadata_ok(
    port: int, node_id: int, certs_dir: Path, principal: str, timeout_s: float = 10.0
) -> bool:
    """True if the broker on `port` answers a metadata request over mutual TLS as `node_id`."""
    if not port_open(port):
        return False
    client = AdminClient(
        {
            "bootstrap.servers": f"{LOOPBACK}:{port}",
            "security.protocol": "SSL",
            "ssl.ca.location": str(certs_dir / "ca.pem"),
            "ssl.certificate.location": str(certs_dir / f"{principal}.pem"),
            "ssl.key.location": str(certs_dir / f"{principal}.key"),
        },
        logger=_QUIET,
    )
    try:
        metadata = client.list_topics(timeout=timeout_s)
    except Exception:  # noqa: BLE001 (any failure of the request means "not healthy yet")
        return False
    # A fresh client knows only this port, so an answer means the node speaks TLS there; the
    # answer itself may come from another node (or the bootstrap connection, id -1), so the
    # node is asked for by id: a stopped broker leaves the cluster's metadata.
    return node_id in metadata.brokers
