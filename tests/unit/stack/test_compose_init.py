"""`compose-init`: what compose.yaml's containers share, made from the same code."""

from __future__ import annotations

import os
from pathlib import Path

from stack.compose_init import compose_init
from stack.nginx import PLACEHOLDER


def test_compose_init_makes_certs_passwords_and_nginx_conf(tmp_path: Path) -> None:
    owner = (os.getuid(), os.getgid())
    compose_init(tmp_path / "init", brokers=3, owner=owner, owned=[tmp_path / "kafka-1"])
    init = tmp_path / "init"
    assert (init / "certs" / "kafka-3.keystore.pem").exists()
    assert (init / "certs" / "command-generator.key").stat().st_mode & 0o777 == 0o600
    assert {path.name for path in (init / "secrets").iterdir()} == {
        "backend.password",
        "command_handler.password",
        "nginx_proxy.password",
        "registry.password",
        "company.token",
    }
    assert (init / "secrets" / "company.token").stat().st_mode & 0o777 == 0o600
    conf = (init / "nginx.conf").read_text()
    assert PLACEHOLDER.search(conf) is None
    proxy_secret = (init / "secrets" / "nginx_proxy.password").read_text().strip()
    assert f'proxy_set_header X-Open-Bank-Proxy "{proxy_secret}";' in conf
    assert (init / "nginx.conf").stat().st_mode & 0o777 == 0o600
    assert "server backend:8000;" in conf
    assert (tmp_path / "kafka-1").is_dir()
