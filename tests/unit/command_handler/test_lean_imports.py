"""The service imports without Python's OpenSSL modules (they work again afterwards) and
without importlib.metadata (psycopg's versions read from their METADATA files instead)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from command_handler.lean_imports import distribution_version

_REPO = Path(__file__).resolve().parents[3]


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter: what it imports is the point of these tests."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=_REPO
    )


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
    result = _run_python(_CHILD)
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
    result = _run_python(_HIDE_AND_RESTORE)
    assert result.stdout.strip() == "True True True"


_SERVICE_VERSIONS = textwrap.dedent(
    """
    import sys
    from command_handler.lean_imports import lean_service_imports
    with lean_service_imports():
        import command_handler.service
    import psycopg, psycopg_binary
    loaded = [m for m in ("importlib.metadata", "email", "zipfile", "ssl") if m in sys.modules]
    from importlib import metadata
    print(loaded)
    print(psycopg.__version__ == metadata.version("psycopg") != "0.0.0.0")
    print(psycopg_binary.__version__ == metadata.version("psycopg-binary"))
    print(psycopg.version.__version__ == psycopg.__version__)
    """
)


def test_the_service_imports_without_importlib_metadata_and_psycopg_knows_its_version() -> None:
    result = _run_python(_SERVICE_VERSIONS)
    assert result.stdout.split() == ["[]", "True", "True", "True"]


def test_a_version_is_read_only_from_exactly_one_dist_info(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    info = tmp_path / "pkg_dist-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.4\nName: pkg-dist\nVersion: 1.2.3\n\nBody")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "elsewhere"), str(tmp_path)])
    assert distribution_version("pkg", "pkg_dist") == "1.2.3"
    assert distribution_version("missing", "pkg_dist") is None
    (tmp_path / "pkg_dist-1.2.4.dist-info").mkdir()  # two: ambiguous, import as usual
    assert distribution_version("pkg", "pkg_dist") is None
