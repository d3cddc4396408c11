"""Zipkin, the stack's trace viewer: its UI at `/zipkin/`, its API at `/api/v2/`.

The services and the browser send their spans to it (docs/tracing.md). It keeps them in
memory, bounded, so a long run cannot grow it without limit; a restart forgets them.
"""

from __future__ import annotations

from typing import TextIO

from stack import downloads
from stack.component import Component
from stack.downloads import require_tool
from stack.health import http_ok
from stack.layout import StackLayout
from stack.ports import LOOPBACK

__all__ = ["MAX_SPANS", "zipkin_component", "zipkin_spans_url", "zipkin_url"]

# In-memory storage keeps at most this many spans and drops the oldest traces beyond it
# (~1 KiB each, so well within the heap below).
MAX_SPANS = 200_000


def zipkin_url(layout: StackLayout) -> str:
    """The viewer's page, as a person opens it."""
    return f"http://{LOOPBACK}:{layout.ports.zipkin}/zipkin/"


def zipkin_spans_url(layout: StackLayout) -> str:
    """Where the services POST their spans (Zipkin's JSON v2)."""
    return f"http://{LOOPBACK}:{layout.ports.zipkin}/api/v2/spans"


def zipkin_component(layout: StackLayout) -> Component:
    zipkin_dir = layout.run_dir / "zipkin"

    def prepare(out: TextIO) -> list[str]:
        java = require_tool("java", "openjdk-17-jre-headless")
        jar = downloads.ensure_zipkin(layout, out)
        zipkin_dir.mkdir(parents=True, exist_ok=True)
        port = str(layout.ports.zipkin)
        settings = {
            # Armeria binds every address unless told an ip: loopback only, like the rest.
            "armeria.ports[0].ip": LOOPBACK,
            "armeria.ports[0].port": port,
            "armeria.ports[0].protocols": "http",
            "zipkin.query.port": port,
            "zipkin.storage.type": "mem",
            "zipkin.storage.mem.max-spans": str(MAX_SPANS),
            "logging.level.com.linecorp.armeria": "WARN",
        }
        return [
            java,
            "-Xms64m",
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-jar",
            str(jar),
            *(f"--{key}={value}" for key, value in settings.items()),
        ]

    return Component(
        name="zipkin",
        ports=(layout.ports.zipkin,),
        prepare=prepare,
        healthy=lambda: http_ok(f"http://{LOOPBACK}:{layout.ports.zipkin}/health"),
        ready_timeout_s=180.0,
        cwd=zipkin_dir,
    )
