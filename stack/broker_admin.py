"""An admin client as broker 1, for what only a super user may change."""

from __future__ import annotations

from pathlib import Path

from confluent_kafka.admin import AdminClient

from stack.certs import broker_name

__all__ = ["broker_admin"]


def broker_admin(bootstrap_servers: str, certs_dir: Path, client_id: str) -> AdminClient:
    """An admin client as broker 1, whose principal is a super user: the only one that may
    change ACLs and the configs of Kafka's internal topics."""
    name = broker_name(1)
    return AdminClient(
        {
            "bootstrap.servers": bootstrap_servers,
            "security.protocol": "SSL",
            "ssl.ca.location": str(certs_dir / "ca.pem"),
            "ssl.certificate.location": str(certs_dir / f"{name}.pem"),
            "ssl.key.location": str(certs_dir / f"{name}.key"),
            "client.id": client_id,
        }
    )
