"""Hanging Kafka transactions: found and aborted with Kafka's own `kafka-transactions.sh`.

A transaction hangs when a partition holds an open transaction its coordinator no longer
knows (KIP-664; a SIGKILLed single broker can leave one). Nothing commits or aborts it,
so the partition's last stable offset stops, and every `read_committed` consumer (the
handler, the backend) waits forever. The Kafka distribution's tool finds them
(`find-hanging`, per broker: open longer than the longest transaction time-out, and
unknown to the coordinator) and aborts one by its partition and start offset (`abort`,
which writes the abort marker). confluent_kafka's AdminClient (2.16) has no
ListTransactions, DescribeProducers or abort, so the tool runs as Java
(`org.apache.kafka.tools.TransactionsCommand`) with the broker's jars and the tools jar
(`stack.downloads.ensure_kafka_tools`), as broker 1 (a super user: writing markers
needs the cluster's ClusterAction right).

`python -m stack transactions` reports; `--abort` aborts what hangs.
`stack.transaction_janitor` runs the check by itself after a Kafka restart and at `up`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from stack import downloads
from stack.downloads import require_tool
from stack.errors import StackError
from stack.layout import StackLayout

__all__ = [
    "HangingTransaction",
    "abort_arguments",
    "check_transactions",
    "parse_hanging",
    "parse_table",
    "plan_aborts",
]

#: Past the brokers' transaction.max.timeout.ms and their look for expired transactions
#: (45 s and 10 s, `stack.kafka_config`): a transaction whose last write is older than this
#: is past any producer's time-out, so only a hanging one is. The tool counts in minutes.
MAX_TRANSACTION_TIMEOUT_MIN = 1
_TOOL = "org.apache.kafka.tools.TransactionsCommand"
_TOOL_TIMEOUT_S = 120.0
_OFFSETS_TOPIC = "__consumer_offsets"
# What `abort` says when the transaction ended before it (its producer's next commit).
_NO_LONGER_OPEN = "Could not find any open transactions"
_HANGING_HEADER = "Topic", "Partition", "ProducerId", "ProducerEpoch", "StartOffset"


@dataclass(frozen=True, slots=True, order=True)
class HangingTransaction:
    """One open transaction on one partition that its coordinator does not know."""

    topic: str
    partition: int
    start_offset: int
    producer_id: int
    producer_epoch: int
    duration_min: int

    def __str__(self) -> str:
        return (
            f"{self.topic}-{self.partition} from offset {self.start_offset} (producer"
            f" {self.producer_id}, epoch {self.producer_epoch}, open {self.duration_min} min)"
        )


def parse_table(output: str, first_column: str) -> list[dict[str, str]]:
    """Rows of the tool's tab-separated table, whose header starts with ``first_column``;
    lines before the header (a JVM's warnings) are skipped. No header: an error."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if _cells(line)[0] == first_column]
    if not starts:
        raise ValueError(f"no table with a {first_column!r} column in the tool's output")
    header = _cells(lines[starts[0]])
    rows = []
    for line in lines[starts[0] + 1 :]:
        if not line.strip():
            continue
        cells = _cells(line)
        if len(cells) != len(header):
            raise ValueError(f"a row of {len(cells)} cells under {len(header)} columns: {line!r}")
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _cells(line: str) -> list[str]:
    # The tool pads cells with spaces and ends each line with a tab.
    return [cell.strip() for cell in line.rstrip("\t").split("\t")]


def parse_hanging(output: str) -> list[HangingTransaction]:
    """What `find-hanging` printed, as records."""
    rows = parse_table(output, _HANGING_HEADER[0])
    return [
        HangingTransaction(
            topic=row["Topic"],
            partition=int(row["Partition"]),
            start_offset=int(row["StartOffset"]),
            producer_id=int(row["ProducerId"]),
            producer_epoch=int(row["ProducerEpoch"]),
            duration_min=int(row.get("Duration(min)", "0") or 0),
        )
        for row in rows
    ]


def plan_aborts(found: Iterable[HangingTransaction]) -> list[HangingTransaction]:
    """Each hanging transaction once (several brokers may report a replicated partition),
    in partition order, with the consumer offsets last.

    The handler cannot read its committed offsets while the hanging part on
    `__consumer_offsets` holds them pending; the moment that part is aborted it runs again,
    and its next commit would commit whatever still hangs of the same transaction on the
    other partitions. Aborting those first keeps the transaction whole: all aborted, and
    the handler publishes its stored answers again."""
    unique = {(t.topic, t.partition, t.start_offset): t for t in found}
    return sorted(unique.values(), key=lambda t: (t.topic == _OFFSETS_TOPIC, t))


def abort_arguments(transaction: HangingTransaction) -> list[str]:
    """The tool's `abort` for brokers ≥ 3.0: the partition and start offset are enough."""
    return [
        "abort",
        "--topic",
        transaction.topic,
        "--partition",
        str(transaction.partition),
        "--start-offset",
        str(transaction.start_offset),
    ]


def _run_tool(layout: StackLayout, brokers: int, arguments: list[str]) -> str:
    java = require_tool("java", "openjdk-17-jre-headless")
    libs = downloads.ensure_kafka_libs(layout)
    tools = downloads.ensure_kafka_tools(layout)
    config = layout.run_dir / "kafka" / "transactions-tool.properties"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "security.protocol=SSL\n"
        "ssl.keystore.type=PEM\n"
        f"ssl.keystore.location={layout.certs_dir / 'kafka-1.keystore.pem'}\n"
        "ssl.truststore.type=PEM\n"
        f"ssl.truststore.location={layout.certs_dir / 'ca.pem'}\n"
    )
    quiet = config.with_name("transactions-tool.log4j2.properties")
    quiet.write_text("status = error\nrootLogger.level = ERROR\n")
    argv = [java, f"-Dlog4j2.configurationFile={quiet}", "-cp", f"{libs}/*:{tools}/*", _TOOL]
    argv += ["--command-config", str(config)]
    argv += ["--bootstrap-server", layout.ports.bootstrap_servers(brokers), *arguments]
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=_TOOL_TIMEOUT_S, check=False
    )
    if result.returncode != 0:
        raise StackError(
            f"kafka-transactions {arguments[0]} failed: {result.stderr.strip()[-400:]}",
            "check that Kafka runs (./bank status), then run it again",
            layout.log_file("kafka-1"),
        )
    return result.stdout


def check_transactions(
    layout: StackLayout,
    brokers: int,
    out: TextIO,
    *,
    abort: bool,
    max_transaction_timeout_min: int = MAX_TRANSACTION_TIMEOUT_MIN,
) -> list[HangingTransaction]:
    """Find hanging transactions on every broker; abort them when ``abort``. Returns what
    hung. Prints one line per finding (and nothing when all is well).

    A shorter ``max_transaction_timeout_min`` looks at younger transactions; the tool
    still reports only those the coordinator does not know, never a live one, once every
    coordinator holds its partitions: right after a broker starts, one that has not taken
    them yet lists no transaction, so every open one would look hanging. The bound, past
    any producer's time-out, is what makes the janitor's look safe then."""
    found: list[HangingTransaction] = []
    for broker in range(1, brokers + 1):
        output = _run_tool(
            layout,
            brokers,
            [
                "find-hanging",
                "--broker-id",
                str(broker),
                "--max-transaction-timeout",
                str(max_transaction_timeout_min),
            ],
        )
        found.extend(parse_hanging(output))
    hanging = plan_aborts(found)
    for transaction in hanging:
        if abort:
            try:
                _run_tool(layout, brokers, abort_arguments(transaction))
            except StackError as exc:
                if _NO_LONGER_OPEN not in str(exc):
                    raise
                out.write(f"kafka: no longer open, ended by its producer: {transaction}\n")
                continue
            out.write(f"kafka: aborted the hanging transaction on {transaction}\n")
        else:
            out.write(f"kafka: hanging transaction on {transaction}\n")
    return hanging
