"""The nginx template renders completely, proxies /graphql with WebSocket upgrade."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.errors import StackError
from stack.layout import StackLayout
from stack.nginx import PLACEHOLDER, nginx_argv, nginx_values, prepare_nginx, render_template


@pytest.fixture
def layout(tmp_path: Path) -> StackLayout:
    return StackLayout.from_environ({"OPEN_BANK_RUN_DIR": str(tmp_path)})


def test_rendered_config_has_no_placeholder_left(layout: StackLayout) -> None:
    text = prepare_nginx(layout).read_text()
    assert PLACEHOLDER.search(text) is None
    assert "listen 127.0.0.1:8080;" in text
    assert "server 127.0.0.1:8000;" in text
    assert f"pid {layout.nginx_dir / 'nginx.pid'};" in text


def test_graphql_is_proxied_with_websocket_upgrade(layout: StackLayout) -> None:
    text = prepare_nginx(layout).read_text()
    graphql = text[text.index("location /graphql") :]
    assert "proxy_set_header Upgrade $http_upgrade;" in graphql
    assert "proxy_set_header Connection $connection_upgrade;" in graphql
    assert "proxy_http_version 1.1;" in graphql


def test_nginx_proves_itself_to_the_backend_with_a_private_secret(layout: StackLayout) -> None:
    config = prepare_nginx(layout)
    secret_file = layout.secrets_dir / "nginx_proxy.password"
    secret = secret_file.read_text().strip()
    assert len(secret) >= 32
    graphql = config.read_text()[config.read_text().index("location /graphql") :]
    assert f'proxy_set_header X-Open-Bank-Proxy "{secret}";' in graphql
    assert "proxy_set_header X-Real-IP $remote_addr;" in graphql
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert config.stat().st_mode & 0o777 == 0o600
    prepare_nginx(layout)  # a second render keeps the secret the backend already read
    assert secret_file.read_text().strip() == secret


def test_offset_moves_both_listen_and_backend(tmp_path: Path) -> None:
    layout = StackLayout.from_environ(
        {"OPEN_BANK_RUN_DIR": str(tmp_path), "OPEN_BANK_PORT_OFFSET": "1000"}
    )
    values = nginx_values(layout)
    assert values["LISTEN"] == "127.0.0.1:9080"
    assert values["BACKEND"] == "127.0.0.1:9000"


def test_missing_or_unused_placeholder_is_an_error() -> None:
    with pytest.raises(StackError, match="missing"):
        render_template("listen {{LISTEN}}; root {{ROOT}};", {"LISTEN": "x"})
    with pytest.raises(StackError, match="unused"):
        render_template("listen {{LISTEN}};", {"LISTEN": "x", "ROOT": "y"})


def test_nginx_runs_in_the_foreground_with_its_own_prefix(layout: StackLayout) -> None:
    argv = nginx_argv("/usr/sbin/nginx", layout, layout.nginx_dir / "nginx.conf")
    assert argv[argv.index("-p") + 1] == str(layout.nginx_dir)
    assert argv[argv.index("-g") + 1] == "daemon off;"
