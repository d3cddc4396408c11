"""nginx: render `nginx/open-bank.conf.template` and run nginx with a prefix under `.run`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from stack.errors import StackError
from stack.layout import StackLayout
from stack.passwords import ensure_password
from stack.ports import LOOPBACK

__all__ = [
    "NGINX_PROXY_ROLE",
    "PLACEHOLDER",
    "build_frontend",
    "nginx_argv",
    "nginx_values",
    "prepare_nginx",
    "refresh_nginx",
    "render_template",
]

PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
#: The secret nginx sends the backend so that its X-Real-IP is believed (in `.run/secrets`).
NGINX_PROXY_ROLE = "nginx_proxy"
_MIME_TYPES = Path("/etc/nginx/mime.types")
_PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>open-bank</title></head>
<body><h1>open-bank</h1>
<p>The stack runs. The frontend is not built yet (<code>frontend/dist</code> is missing);
the GraphQL playground is at <a href="/graphql">/graphql</a>.</p></body></html>
"""


def render_template(template: str, values: Mapping[str, str]) -> str:
    """Fill every `{{NAME}}`; a placeholder without a value (or a value unused) is an error."""
    used = set(PLACEHOLDER.findall(template))
    missing = used - set(values)
    unused = set(values) - used
    if missing or unused:
        raise StackError(
            f"nginx template placeholders do not match: missing {sorted(missing)}, "
            f"unused {sorted(unused)}",
            "align nginx/open-bank.conf.template with stack/nginx.py",
        )
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _document_root(layout: StackLayout) -> Path:
    built = layout.repo_dir / "frontend" / "dist"
    if (built / "index.html").exists():
        return built
    return layout.nginx_dir / "placeholder"


def nginx_values(layout: StackLayout) -> dict[str, str]:
    """The placeholder values for this stack (the proxy secret generated if missing)."""
    base = layout.nginx_dir
    return {
        "PID_FILE": str(base / "nginx.pid"),
        "ERROR_LOG": "stderr",
        # Into nginx's own log (stdout), which supervisord rotates; a file here would grow.
        "ACCESS_LOG": "/dev/stdout",
        "TEMP_DIR": str(base / "temp"),
        "MIME_TYPES": str(_MIME_TYPES),
        "BACKEND": f"{LOOPBACK}:{layout.ports.backend}",
        "ZIPKIN": f"{LOOPBACK}:{layout.ports.zipkin}",
        "LISTEN": f"{LOOPBACK}:{layout.ports.nginx}",
        "ROOT": str(_document_root(layout)),
        "PROXY_SECRET": ensure_password(layout.secrets_dir, NGINX_PROXY_ROLE),
    }


def prepare_nginx(layout: StackLayout) -> Path:
    """Render the configuration (and the placeholder page); return the config path."""
    base = layout.nginx_dir
    (base / "temp").mkdir(parents=True, exist_ok=True)
    placeholder = base / "placeholder"
    placeholder.mkdir(parents=True, exist_ok=True)
    (placeholder / "index.html").write_text(_PLACEHOLDER_PAGE)
    template = (layout.repo_dir / "nginx" / "open-bank.conf.template").read_text()
    config = base / "nginx.conf"
    rendered = render_template(template, nginx_values(layout))
    # It holds the proxy secret: readable by the stack's user only, even for a moment.
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(rendered)
    config.chmod(0o600)  # a config written before had the default mode
    return config


def build_frontend(layout: StackLayout, out: TextIO) -> None:
    """Run `frontend/build.sh --if-changed` (npm, only when the UI's sources changed)."""
    script = layout.repo_dir / "frontend" / "build.sh"
    if not script.exists():
        return
    log = layout.log_file("frontend-build")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as log_file:
        process = subprocess.Popen(
            ["bash", str(script), "--if-changed"],
            cwd=script.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None  # PIPE was asked for
        for line in process.stdout:
            log_file.write(line)
            if line.startswith("frontend:"):
                out.write(line)
                out.flush()
        code = process.wait()
    if code != 0:
        raise StackError(
            f"building the frontend failed (exit {code})",
            "read the log; npm must be installed (apt-get install npm)",
            log,
        )


def refresh_nginx(layout: StackLayout, leader_pid: int, out: TextIO) -> bool:
    """For a running nginx: rebuild the UI if needed, re-render, reload if the config changed."""
    build_frontend(layout, out)
    config = layout.nginx_dir / "nginx.conf"
    before = config.read_text() if config.exists() else ""
    prepare_nginx(layout)
    if config.read_text() == before:
        return False
    os.kill(leader_pid, signal.SIGHUP)  # nginx re-reads its configuration without a restart
    out.write("nginx: configuration changed, reloaded\n")
    return True


def nginx_argv(nginx: str, layout: StackLayout, config: Path) -> list[str]:
    """nginx in the foreground with its own prefix, so it touches nothing outside `.run`."""
    return [
        nginx,
        "-p",
        str(layout.nginx_dir),
        "-c",
        str(config),
        "-e",
        "stderr",
        "-g",
        "daemon off;",
    ]
