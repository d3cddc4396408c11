"""Hanging Kafka transactions: found and aborted through Kafka's Admin API.

A transaction hangs when a partition holds an open transaction its coordinator will never
end (KIP-664; a SIGKILLed single broker can leave one). Its partitions' last stable offset
stops, and every `read_committed` consumer (the handler, the backend) waits there for good.

confluent_kafka's AdminClient (2.16) has no DescribeProducers, ListTransactions,
DescribeTransactions or abort, so `stack/kafka/KafkaTransactions.java` makes those calls
with the broker's own client jars, compiled once into the cache by the JRE's compiler, as
broker 1 (a super user: writing markers needs the cluster's ClusterAction right). One JVM
looks (`snapshot`), one more aborts every part of what hangs together; Kafka's
`kafka-transactions.sh` takes a JVM per partition, about 2 s each, and a hanging
transaction spans a dozen partitions. What hangs is decided in `stack.hanging_transactions`.

`python -m stack transactions` reports; `--abort` aborts what hangs.
`stack.transaction_janitor` runs the check by itself after a Kafka restart and at `up`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import TextIO

from stack import downloads
from stack.downloads import require_tool
from stack.errors import StackError
from stack.hanging_transactions import (
    HangingTransaction,
    Snapshot,
    abort_arguments,
    find_hanging,
    parse_aborts,
    parse_snapshot,
    plan_aborts,
)
from stack.layout import StackLayout

__all__ = ["check_transactions", "snapshot"]

_PROGRAM = Path(__file__).resolve().parent / "kafka" / "KafkaTransactions.java"
_TOOL_TIMEOUT_S = 120.0


def _compiled(layout: StackLayout, libs: Path) -> Path:
    """The folder of `KafkaTransactions.class`, compiled once per source and Kafka version by
    the JRE's own compiler module (Debian's JRE has no `javac` command)."""
    java = require_tool("java", "openjdk-17-jre-headless")
    digest = hashlib.sha256(_PROGRAM.read_bytes()).hexdigest()[:12]
    target = layout.cache_dir / f"kafka-{downloads.kafka_version()}" / f"transactions-{digest}"
    if (target / "KafkaTransactions.class").exists():
        return target
    # Stacks share the cache: each compiles into its own folder and renames it into place.
    staging = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    clients = sorted(libs.glob("kafka-clients-*.jar"))
    argv = [java, "-m", "jdk.compiler/com.sun.tools.javac.Main", "-d", str(staging)]
    argv += ["-cp", ":".join(str(jar) for jar in clients), str(_PROGRAM)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise StackError(
            f"could not compile {_PROGRAM.name}: {result.stderr.strip()[-400:]}",
            "check the Java installation (openjdk-17-jre-headless)",
        )
    try:
        staging.rename(target)
    except OSError:
        if not (target / "KafkaTransactions.class").exists():
            raise
        shutil.rmtree(staging, ignore_errors=True)  # another stack's compile came first
    return target


def _run_admin(layout: StackLayout, brokers: int, arguments: list[str]) -> str:
    java = require_tool("java", "openjdk-17-jre-headless")
    libs = downloads.ensure_kafka_libs(layout)
    classes = _compiled(layout, libs)
    config = layout.run_dir / "kafka" / "transactions-admin.properties"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "security.protocol=SSL\n"
        "ssl.keystore.type=PEM\n"
        f"ssl.keystore.location={layout.certs_dir / 'kafka-1.keystore.pem'}\n"
        "ssl.truststore.type=PEM\n"
        f"ssl.truststore.location={layout.certs_dir / 'ca.pem'}\n"
    )
    quiet = config.with_name("transactions-admin.log4j2.properties")
    quiet.write_text("status = error\nrootLogger.level = ERROR\n")
    # A short-lived JVM: the quick compiler only and one GC thread take half the CPU time,
    # and a check runs while the bank recovers from the Kafka restart that called for it.
    argv = [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    argv += [f"-Dlog4j2.configurationFile={quiet}", "-cp", f"{classes}:{libs}/*"]
    argv += ["KafkaTransactions", str(config), layout.ports.bootstrap_servers(brokers)]
    result = subprocess.run(
        [*argv, *arguments], capture_output=True, text=True, timeout=_TOOL_TIMEOUT_S, check=False
    )
    if result.returncode != 0 and arguments[0] != "abort":
        raise StackError(
            f"KafkaTransactions {arguments[0]} failed: {result.stderr.strip()[-400:]}",
            "check that Kafka runs (./bank status), then run it again",
            layout.log_file("kafka-1"),
        )
    return result.stdout + result.stderr


def snapshot(layout: StackLayout, brokers: int) -> Snapshot:
    """Every open transaction on a partition leader, what the coordinators answer for the
    producers that hold them, and which are still open after that."""
    return parse_snapshot(_run_admin(layout, brokers, ["snapshot"]))


def check_transactions(
    layout: StackLayout, brokers: int, out: TextIO, *, abort: bool
) -> list[HangingTransaction]:
    """Find hanging transactions; abort them when ``abort``. Returns what hangs, or what
    was aborted. Prints one line per finding (and nothing when all is well); an abort that
    fails raises after its round, before the consumer offsets' round."""
    hanging = find_hanging(snapshot(layout, brokers), int(time.time() * 1000))
    if not abort:
        for transaction in hanging:
            out.write(f"kafka: hanging transaction on {transaction}\n")
        return hanging
    if not hanging:
        return hanging
    rounds = plan_aborts(hanging)
    output = _run_admin(layout, brokers, abort_arguments(rounds))
    outcomes = parse_aborts(output)
    aborted, failed = [], []
    for transaction in (t for round_ in rounds for t in round_):
        key = transaction.topic, transaction.partition, transaction.start_offset
        outcome, said = outcomes.get(key, ("failed", "not tried: an earlier round failed"))
        if outcome == "aborted":
            out.write(f"kafka: aborted the hanging transaction on {transaction}\n")
            aborted.append(transaction)
        elif outcome == "gone":
            out.write(f"kafka: no longer open, ended by its producer: {transaction}\n")
        else:
            out.write(f"kafka: could not abort {transaction}: {said}\n")
            failed.append(transaction)
    if failed:
        raise StackError(
            f"{len(failed)} hanging transaction part(s) not aborted: {output.strip()[-400:]}",
            "run ./bank transactions --abort again",
            layout.log_file("transactions"),
        )
    return aborted
