"""`python -m stack compose-init DIR`: what compose.yaml's containers share, made once.

The Docker variant of the stack needs the same things as the local one: the CA and one
certificate per principal (brokers are reached by their container names, which their SAN
carries), generated database passwords and company token, and nginx's configuration rendered
from the same template. The `init` service of compose.yaml runs this into a volume the others mount.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from stack.certs import ensure_certificates
from stack.layout import REPO_DIR
from stack.nginx import NGINX_PROXY_ROLE, render_template
from stack.passwords import ensure_company_token, ensure_password
from stack.postgres import DATABASES

__all__ = ["DOCKER_NGINX_VALUES", "compose_init"]

# Placeholder values of nginx/open-bank.conf.template inside the official nginx image.
DOCKER_NGINX_VALUES = {
    "PID_FILE": "/var/run/nginx.pid",
    "ERROR_LOG": "stderr",
    "ACCESS_LOG": "/dev/stdout",
    "TEMP_DIR": "/var/cache/nginx",
    "MIME_TYPES": "/etc/nginx/mime.types",
    "BACKEND": "backend:8000",
    "ZIPKIN": "zipkin:9411",
    "LISTEN": "8080",
    "ROOT": "/usr/share/nginx/html",
}


def compose_init(
    target: Path, brokers: int, owner: tuple[int, int] | None = None, owned: Sequence[Path] = ()
) -> None:
    """Certificates, passwords, the company token and nginx.conf under `target` (idempotent).

    Every container of compose.yaml runs as uid 1000, so `owner` (uid, gid) is given `target`
    and the data volumes in `owned`: keys and passwords keep mode 0600 and are still readable.
    """
    ensure_certificates(target / "certs", brokers)
    for role in DATABASES.values():
        ensure_password(target / "secrets", role)
    ensure_company_token(target / "secrets")
    proxy_secret = ensure_password(target / "secrets", NGINX_PROXY_ROLE)
    values = {**DOCKER_NGINX_VALUES, "PROXY_SECRET": proxy_secret}
    template = (REPO_DIR / "nginx" / "open-bank.conf.template").read_text()
    config = target / "nginx.conf"
    config.write_text(render_template(template, values))
    config.chmod(0o600)  # it holds the proxy secret
    if owner is not None:
        for root in (target, *owned):
            _chown_tree(root, owner)


def _chown_tree(root: Path, owner: tuple[int, int]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    os.chown(root, *owner)
    for path in root.rglob("*"):
        os.chown(path, *owner)
