"""Import the service without modules it never uses that cost resident memory for good.

Two kinds, each measured as RSS after `import command_handler.service` in a fresh process:

**Python's TLS and hash modules** (~4.5 MiB: 40.2 → 35.8 MiB). Nothing in the running
handler speaks TLS or hashes through Python: librdkafka carries its own OpenSSL (Kafka's
mutual TLS) and libpq its own (psycopg's wheel bundles it). Yet the service's imports pull
the system's `libssl`/`libcrypto` in twice over: asyncio (imported by psycopg and
confluent-kafka) tries `import ssl` just to offer TLS, and `hmac` (the constant-time token
comparison of the domain; also `secrets`) imports `_hashlib`. While the service's modules
are imported, `ssl` and `_hashlib` are hidden (a `None` entry in `sys.modules` makes their
import fail): asyncio then runs without TLS support, `hashlib` and `hmac` fall back to
Python's built-in hash implementations (same results; the handler hashes nothing on its hot
path). Both are unhidden afterwards, so a later import (the registry client, only for an
unknown schema id: httpx needs `ssl`) loads them as usual.

**importlib.metadata, only to learn psycopg's version** (~1.5 MiB: 35.2 → 33.7 MiB, 28
modules fewer). `psycopg.version` and `psycopg_binary.version` each call
`importlib.metadata.version(...)` at import, which loads importlib.metadata and with it
`email`, `zipfile`, `csv` and more, kept for the life of the process for one string each.
Here those two modules are provided with the same `__version__`, read from the `Version:`
line of the distribution's own `METADATA` file (what importlib.metadata reads too). When
that file cannot be found unambiguously (not a wheel install), nothing is provided and
psycopg imports them as usual.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

__all__ = [
    "HIDDEN_MODULES",
    "VERSION_MODULES",
    "distribution_version",
    "lean_service_imports",
    "versions_without_metadata",
    "without_openssl_modules",
]

HIDDEN_MODULES: Final = ("ssl", "_hashlib")

# module → (the import package it belongs to, its distribution's dist-info name prefix)
VERSION_MODULES: Final = {
    "psycopg.version": ("psycopg", "psycopg"),
    "psycopg_binary.version": ("psycopg_binary", "psycopg_binary"),
}


@contextmanager
def without_openssl_modules() -> Iterator[None]:
    """Within the block, importing `ssl` or `_hashlib` fails with ImportError (modules that
    try them fall back); modules already imported are left alone."""
    modules: dict[str, Any] = sys.modules  # None entries are how import is refused
    hidden = [name for name in HIDDEN_MODULES if name not in modules]
    for name in hidden:
        modules[name] = None
    try:
        yield
    finally:
        for name in hidden:
            if modules.get(name, False) is None:
                del modules[name]


def distribution_version(package: str, dist_info_prefix: str) -> str | None:
    """The version of the distribution installed as `package`, from the `Version:` line of
    its `<prefix>-<version>.dist-info/METADATA` beside the package (the first `sys.path`
    entry holding the package, as import would pick); None when not exactly one is there."""
    for entry in sys.path:
        directory = Path(entry or os.curdir)
        if not (directory / package / "__init__.py").is_file():
            continue
        infos = list(directory.glob(f"{dist_info_prefix}-*.dist-info"))
        if len(infos) != 1:
            return None
        try:
            with (infos[0] / "METADATA").open(encoding="utf-8") as meta:
                for line in meta:
                    if line.startswith("Version:"):
                        return line.partition(":")[2].strip()
                    if not line.strip():  # the end of the headers
                        return None
        except OSError:
            return None
        return None
    return None


@contextmanager
def versions_without_metadata() -> Iterator[None]:
    """Within the block, `psycopg.version` and `psycopg_binary.version` are modules holding
    the same `__version__` importlib.metadata would give, so it is never imported for
    them. They stay afterwards (they are those modules); a version that cannot be read
    leaves its module to be imported as usual."""
    provided = []
    for name, (package, prefix) in VERSION_MODULES.items():
        if name in sys.modules:
            continue
        version = distribution_version(package, prefix)
        if version is None:
            continue
        module = types.ModuleType(name, f"{package}'s version, read from its METADATA file")
        module.__dict__["__version__"] = version
        sys.modules[name] = module
        provided.append((package, module))
    try:
        yield
    finally:
        for package, module in provided:
            parent = sys.modules.get(package)
            if parent is not None:
                # What importing the submodule would have done.
                parent.__dict__.setdefault("version", module)


@contextmanager
def lean_service_imports() -> Iterator[None]:
    """Both of the above: how `python -m command_handler` imports the service."""
    with without_openssl_modules(), versions_without_metadata():
        yield
