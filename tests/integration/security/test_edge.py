"""The edge as a browser or an attacker on the network sees it, on the running stack.

nginx: security headers and no version on every answer, an oversized body refused before the
backend, the registry's API not reachable through it. Every port the stack's processes listen
on (read from /proc, every socket, so a wildcard listener cannot hide behind a loopback one on
the same port) is one of the stack's and on loopback only, so nothing (the registry's admin
API, the metrics and the heartbeat's control port included) is reachable from another machine.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from stack.layout import StackLayout
from stack.state import read_state
from stack.supervision import component_pids, supervisor_paths

pytestmark = pytest.mark.integration

_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@pytest.fixture
def web_url(stack_env: dict[str, str]) -> str:
    return stack_env["OPEN_BANK_WEB_URL"].rstrip("/")


@pytest.mark.parametrize("path", ["/", "/graphql?query=%7B__typename%7D", "/no-such-page"])
def test_every_answer_has_security_headers_and_no_server_version(web_url: str, path: str) -> None:
    response = httpx.get(f"{web_url}{path}", timeout=10)
    assert response.status_code < 500
    assert response.headers["server"] == "nginx"  # no version
    for name, value in _HEADERS.items():
        assert response.headers[name] == value, name
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_an_oversized_body_is_refused_by_nginx(web_url: str) -> None:
    body = json.dumps({"query": "{ __typename }", "padding": "a" * 200_000})
    response = httpx.post(
        f"{web_url}/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_the_registry_api_is_not_proxied(web_url: str) -> None:
    for path in ("/apis/ccompat/v7/subjects", "/apis/registry/v3/admin/config/properties"):
        response = httpx.get(f"{web_url}{path}", timeout=10)
        # The single-page app's fallback page, never the registry's JSON.
        assert "application/json" not in response.headers.get("content-type", ""), path


def test_only_zipkin_s_api_is_proxied_not_its_ui(web_url: str) -> None:
    api = httpx.get(f"{web_url}/zipkin/api/v2/services", timeout=10)
    assert api.status_code == 200
    assert isinstance(api.json(), list)
    assert api.headers["x-frame-options"] == "DENY"
    ui = httpx.get(f"{web_url}/zipkin/", timeout=10)
    # The single-page app's fallback page, never Zipkin's own page.
    assert "Zipkin" not in ui.text


def test_every_stack_port_listens_on_loopback_only(stack_layout: StackLayout) -> None:
    wanted = stack_layout.ports.all(read_state(stack_layout).brokers)
    listeners = listeners_of(stack_pids(stack_layout))
    assert {port for _address, port in listeners} == wanted
    exposed = sorted((str(address), port) for address, port in listeners if not _local(address))
    assert not exposed, f"listening beyond loopback: {exposed}"


def test_the_listener_check_sees_a_wildcard_behind_a_loopback_listener() -> None:
    """Control: the port a loopback socket holds can hide a second, wildcard one."""
    with socket.socket(socket.AF_INET) as loopback, socket.socket(socket.AF_INET6) as wildcard:
        loopback.bind(("127.0.0.1", 0))
        loopback.listen()
        port = loopback.getsockname()[1]
        wildcard.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        wildcard.bind(("::", port))
        wildcard.listen()
        listeners = listeners_of([os.getpid()])
    assert (ipaddress.ip_address("127.0.0.1"), port) in listeners
    assert (ipaddress.ip_address("::"), port) in listeners
    assert not _local(ipaddress.ip_address("::"))


def stack_pids(layout: StackLayout) -> list[int]:
    """Every process of the stack: supervisord (its socket is a unix one), every component it
    runs, its event listener, and all they started."""
    components = component_pids(layout)
    assert components, f"no process of the stack runs ({layout.run_dir})"
    supervisord = psutil.Process(int(supervisor_paths(layout).pid_file.read_text()))
    pids = [supervisord.pid, *(child.pid for child in supervisord.children(recursive=True))]
    assert set(components.values()) <= set(pids)
    return pids


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def listeners_of(pids: list[int]) -> set[tuple[Address, int]]:
    """(address, port) of every listening TCP socket the processes hold, IPv4 and IPv6.

    Read from /proc: every socket, not one per port as a connect() or a dict by port sees.
    """
    inodes = {inode for pid in pids for inode in _socket_inodes(pid)}
    return {
        listener
        for table in ("/proc/net/tcp", "/proc/net/tcp6")
        for inode, listener in _listening(Path(table).read_text())
        if inode in inodes
    }


def _socket_inodes(pid: int) -> Iterator[int]:
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process ended meanwhile; its sockets went with it
        return
    for fd in fds:
        try:
            link = str(fd.readlink())
        except OSError:  # closed meanwhile
            continue
        if link.startswith("socket:["):
            yield int(link[len("socket:[") : -1])


def _listening(table: str) -> Iterator[tuple[int, tuple[Address, int]]]:
    """(inode, (address, port)) of each LISTEN row of a /proc/net/tcp{,6} table."""
    for row in table.splitlines()[1:]:
        fields = row.split()
        local, state, inode = fields[1], fields[3], int(fields[9])
        if state != _TCP_LISTEN:
            continue
        hex_address, hex_port = local.split(":")
        raw = bytes.fromhex(hex_address)
        # The kernel prints the address as 32-bit words in host (little-endian) order.
        words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
        yield inode, (ipaddress.ip_address(words), int(hex_port, 16))


_TCP_LISTEN = "0A"


def _local(address: Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)
