"""The service imports without Python's OpenSSL modules, and they work again afterwards."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

_REPO = Path(__file__).resolve().parents[3]

_CHILD = textwrap.dedent(
    """
    import sys
    from command_handler.lean_imports import without_openssl_modules
    with without_openssl_modules():
        import command_handler.service
    loaded = [m for m in ("ssl", "_ssl", "_hashlib") if m in sys.modules]
    with open("/proc/self/maps") as maps:
        system_openssl = "x86_64-linux-gnu/libcrypto" in maps.read()
    import hmac, ssl
    ssl.create_default_context()
    print(loaded, system_openssl, hmac.compare_digest("token", "token"))
    """
)


def test_the_service_loads_no_system_openssl_and_ssl_still_imports_later() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, cwd=_REPO
    )
    assert result.stdout.split("\n")[0] == "[] False True"
    assert result.stderr == ""  # hashlib's fallback logs nothing


_HIDE_AND_RESTORE = textwrap.dedent(
    """
    import sys
    from command_handler.lean_imports import without_openssl_modules
    import _hashlib  # imported before: left alone
    with without_openssl_modules():
        try:
            import ssl
        except ImportError:
            refused = True
        else:
            refused = False
        import _hashlib as still_there
    import ssl
    print(refused, still_there is sys.modules["_hashlib"], ssl.PROTOCOL_TLS_CLIENT > 0)
    """
)


def test_hidden_only_inside_the_block_and_modules_imported_before_stay() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _HIDE_AND_RESTORE],
        capture_output=True,
        text=True,
        check=True,
        cwd=_REPO,
    )
    assert result.stdout.strip() == "True True True"
