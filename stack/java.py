"""Finding a Java runtime of a given major version.

Kafka 4.x runs on Java 17 (Debian 12's `openjdk-17-jre-headless`). Apicurio Registry 3.3 is
compiled for Java 21 (class files 65), which Debian 12 does not package: the stack looks for
a newer JDK in `OPEN_BANK_REGISTRY_JAVA_HOME`, `JAVA_HOME` and `/usr/lib/jvm/*` (our
machines carry a Temurin 25 there) and names the fix when there is none.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from stack.errors import StackError

__all__ = ["find_java", "java_major"]

_VERSION = re.compile(r'^JAVA_(?:RUNTIME_)?VERSION="(\d+)', re.MULTILINE)
_JVM_DIR = Path("/usr/lib/jvm")


def java_major(java_home: Path) -> int | None:
    """The major version of the JDK/JRE at `java_home`, from its `release` file."""
    try:
        text = (java_home / "release").read_text()
    except OSError:
        return None
    match = _VERSION.search(text)
    return int(match.group(1)) if match else None


def _candidates(environ: Mapping[str, str]) -> Iterable[Path]:
    for variable in ("OPEN_BANK_REGISTRY_JAVA_HOME", "JAVA_HOME"):
        if environ.get(variable):
            yield Path(environ[variable])
    on_path = shutil.which("java")
    if on_path:
        yield Path(on_path).resolve().parent.parent
    if _JVM_DIR.is_dir():
        yield from sorted(_JVM_DIR.iterdir())


def find_java(min_major: int, purpose: str, environ: Mapping[str, str] | None = None) -> str:
    """The `java` executable of the first runtime found with major version >= `min_major`."""
    env = os.environ if environ is None else environ
    for home in _candidates(env):
        major = java_major(home)
        java = home / "bin" / "java"
        if major is not None and major >= min_major and java.exists():
            return str(java)
    raise StackError(
        f"{purpose} needs Java {min_major} or newer and none was found",
        f"install a JDK {min_major}+ under /usr/lib/jvm or set OPEN_BANK_REGISTRY_JAVA_HOME",
    )
