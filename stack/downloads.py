"""Fetching Kafka's jars and Apicurio Registry's archive with Maven, into the cache folder.

Both come from Maven Central through the machine's `mvn` (so `~/.m2` serves repeated
fetches). Each lands in a temporary folder that is renamed into place only when complete, so
an interrupted download is never mistaken for a finished one, and two stacks sharing the
cache never see half a folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from stack.errors import StackError
from stack.layout import StackLayout

__all__ = [
    "DEPENDENCY_PLUGIN",
    "REGISTRY_ARTIFACT",
    "REGISTRY_VERSION",
    "ensure_kafka_libs",
    "ensure_registry",
    "ensure_zipkin",
    "kafka_version",
    "require_tool",
]

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
REGISTRY_VERSION = "3.3.3"
REGISTRY_ARTIFACT = f"io.apicurio:apicurio-registry-app:{REGISTRY_VERSION}:tar.gz:all"
ZIPKIN_VERSION = "3.5.1"
ZIPKIN_ARTIFACT = f"io.zipkin:zipkin-server:{ZIPKIN_VERSION}:jar:exec"
_POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
_DOWNLOADED = re.compile(r"Downloaded from \S+: \S+/([^/\s]+) \(")


def require_tool(name: str, package: str) -> str:
    """The path of program `name`, or a `StackError` telling which package brings it."""
    found = shutil.which(name)
    if found is None:
        raise StackError(
            f"{name} is not installed",
            f"apt-get install {package} (./bank up installs it)",
        )
    return found


def _pom_property(name: str) -> str:
    root = ET.parse(_POM).getroot()  # noqa: S314 (our own file in the repository)
    element = root.find(f"m:properties/m:{name}", _POM_NS)
    if element is None or not element.text:
        raise StackError(f"{_POM} has no <{name}> property", "restore stack/kafka/pom.xml")
    return element.text.strip()


def kafka_version() -> str:
    """The Kafka version named in `stack/kafka/pom.xml` (the one source of it)."""
    return _pom_property("kafka.version")


def _run_maven(args: list[str], log: Path, what: str, out: TextIO) -> None:
    """Run Maven with progress on `out` (one line per fetched file), its output in `log`."""
    mvn = require_tool("mvn", "maven")
    log.parent.mkdir(parents=True, exist_ok=True)
    fetched = 0
    with log.open("a") as log_file:
        log_file.write(f"\n=== mvn {' '.join(args)}\n")
        process = subprocess.Popen(
            [mvn, "-B", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None  # PIPE was asked for
        for line in process.stdout:
            log_file.write(line)
            match = _DOWNLOADED.search(line)
            if match:
                fetched += 1
                out.write(f"  {what}: fetched {fetched} files, last {match.group(1)}\n")
                out.flush()
        code = process.wait()
    if code != 0:
        raise StackError(
            f"Maven could not fetch {what} (exit {code})",
            "check the network to Maven Central and ~/.m2, then run ./bank up again",
            log,
        )


def ensure_kafka_libs(layout: StackLayout, out: TextIO = sys.stdout) -> Path:
    """The folder of Kafka's runtime jars, fetched by `stack/kafka/pom.xml` if missing."""
    return _fetch_kafka_jars(layout, out, "libs", "jars", _POM, [], _check_log4j_binding)


def _fetch_kafka_jars(
    layout: StackLayout,
    out: TextIO,
    folder: str,
    what: str,
    pom: Path,
    extra_args: list[str],
    check: Callable[[Path, Path], None] | None = None,
) -> Path:
    """`<cache>/kafka-<version>/<folder>`, filled once by Maven from `pom`: into a staging
    folder first, so a fetch cut short is never taken for a complete one."""
    version = kafka_version()
    target = layout.cache_dir / f"kafka-{version}" / folder
    if (target / ".complete").exists():
        return target
    require_tool("java", "openjdk-17-jre-headless")
    out.write(f"fetching Apache Kafka {version} {what} with Maven (first time only)\n")
    out.flush()
    staging = target.with_name(f"{folder}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    _run_maven(
        [
            "-f",
            str(pom),
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
            *extra_args,
        ],
        layout.log_file("downloads"),
        f"Kafka {version} {what}",
        out,
    )
    if check is not None:
        check(staging, layout.log_file("downloads"))
    (staging / ".complete").write_text(version + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def _check_log4j_binding(libs: Path, log: Path) -> None:
    # The binding must match log4j-core, or the broker starts and writes no log at all.
    core = sorted(libs.glob("log4j-core-*.jar"))
    binding = sorted(libs.glob("log4j-slf4j*-impl-*.jar"))
    if len(core) != 1 or len(binding) != 1:
        raise StackError(
            f"expected one log4j-core and one SLF4J binding jar in {libs}, found {core + binding}",
            "align <log4j.version> in stack/kafka/pom.xml with Kafka's log4j-core",
            log,
        )
    core_version = core[0].name.removeprefix("log4j-core-").removesuffix(".jar")
    if not binding[0].name.endswith(f"-{core_version}.jar"):
        raise StackError(
            f"{binding[0].name} does not match log4j-core {core_version}",
            f"set <log4j.version>{core_version}</log4j.version> in stack/kafka/pom.xml",
            log,
        )


def ensure_registry(layout: StackLayout, out: TextIO = sys.stdout) -> Path:
    """The unpacked Apicurio Registry (the folder holding `quarkus-run.jar`)."""
    target = layout.cache_dir / f"apicurio-registry-{REGISTRY_VERSION}"
    if (target / "quarkus-run.jar").exists() and (target / ".complete").exists():
        return target
    require_tool("java", "openjdk-17-jre-headless")
    out.write(
        f"fetching Apicurio Registry {REGISTRY_VERSION} with Maven (~160 MB, first time only)\n"
    )
    out.flush()
    download_dir = layout.cache_dir / "downloads"
    _run_maven(
        [
            f"{DEPENDENCY_PLUGIN}:copy",
            f"-Dartifact={REGISTRY_ARTIFACT}",
            f"-DoutputDirectory={download_dir}",
        ],
        layout.log_file("downloads"),
        f"Apicurio Registry {REGISTRY_VERSION}",
        out,
    )
    archive = download_dir / f"apicurio-registry-app-{REGISTRY_VERSION}-all.tar.gz"
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    out.write(f"unpacking {archive.name}\n")
    out.flush()
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise StackError(
            f"cannot unpack {archive}: {exc}",
            f"remove {archive} and run ./bank up again",
            layout.log_file("downloads"),
        ) from exc
    if not (staging / "quarkus-run.jar").exists():
        raise StackError(
            f"{archive.name} has no quarkus-run.jar at its root",
            "check REGISTRY_VERSION in stack/downloads.py (3.1-3.2 keep it under quarkus-app/)",
            layout.log_file("downloads"),
        )
    (staging / ".complete").write_text(REGISTRY_VERSION + "\n")
    archive.unlink(missing_ok=True)  # ~/.m2 keeps its own copy
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def ensure_zipkin(layout: StackLayout, out: TextIO = sys.stdout) -> Path:
    """Zipkin's self-contained server jar (`zipkin-server-<version>-exec.jar`)."""
    target = layout.cache_dir / f"zipkin-server-{ZIPKIN_VERSION}-exec.jar"
    if target.exists():
        return target
    require_tool("java", "openjdk-17-jre-headless")
    out.write(f"fetching Zipkin {ZIPKIN_VERSION} with Maven (~130 MB, first time only)\n")
    out.flush()
    staging = layout.cache_dir / "zipkin.partial"
    shutil.rmtree(staging, ignore_errors=True)
    _run_maven(
        [
            f"{DEPENDENCY_PLUGIN}:copy",
            f"-Dartifact={ZIPKIN_ARTIFACT}",
            f"-DoutputDirectory={staging}",
        ],
        layout.log_file("downloads"),
        f"Zipkin {ZIPKIN_VERSION}",
        out,
    )
    # Renamed into place only when complete: a half-fetched jar is never started.
    (staging / target.name).rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target
