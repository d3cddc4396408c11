"""Import the service without Python's TLS and hash modules, which load the system's OpenSSL.

Nothing in the running handler speaks TLS or hashes through Python: librdkafka carries its
own OpenSSL (Kafka's mutual TLS) and libpq its own (psycopg's wheel bundles it). Yet the
service's imports pull the system's `libssl`/`libcrypto` in twice over: asyncio (imported by
psycopg and confluent-kafka) tries `import ssl` just to offer TLS, and `hmac` (the constant-
time token comparison of the domain; also `secrets`) imports `_hashlib`. Those are ~4.5 MiB
of resident memory (measured: `import command_handler.service` 40.2 → 35.8 MiB RSS).

While the service's modules are imported, `ssl` and `_hashlib` are hidden (a `None` entry
in `sys.modules` makes their import fail): asyncio then runs without TLS support, `hashlib`
and `hmac` fall back to Python's built-in hash implementations (same results; the handler
hashes nothing on its hot path). Both are unhidden afterwards, so a later import (the
registry client, only for an unknown schema id: httpx needs `ssl`) loads them as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

__all__ = ["HIDDEN_MODULES", "without_openssl_modules"]

HIDDEN_MODULES: Final = ("ssl", "_hashlib")


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
