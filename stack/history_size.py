"""How much disk the bank's kept history takes: the history topics' partitions in Kafka's log
folders.

Kafka reports log-folder sizes through its DescribeLogDirs request, but confluent-kafka's
admin client does not offer it, so this reads the brokers' log folders directly: each
partition is a folder `<topic>-<partition>` in a node's `data` folder. With three brokers
every replica counts, as every replica takes disk. Sizes are blocks really allocated: Kafka
pre-sizes each active segment's index files (10 MiB, sparse), which take little disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from stack.layout import StackLayout
from stack.state import read_state
from topology.topics import HISTORY_TOPICS

__all__ = ["HistorySize", "format_bytes", "history_line", "history_size", "kafka_log_dirs"]

_BLOCK = 512  # st_blocks counts 512-byte units on Linux, whatever the file system's block


@dataclass(frozen=True, slots=True)
class HistorySize:
    """The disk taken by some topics' partitions, and how much of it is record batches."""

    disk_bytes: int
    record_bytes: int
    """The size of the segment files (`*.log`): the records themselves, as written."""
    topics: int
    """How many of the topics asked about have at least one partition on disk."""


def kafka_log_dirs(layout: StackLayout) -> list[Path]:
    """The log folders of the current cluster's nodes (those that exist)."""
    cluster = layout.kafka_cluster_dir(read_state(layout).brokers)
    return sorted(path for path in cluster.glob("node-*/data") if path.is_dir())


def _partition_topic(folder: Path, names: set[str]) -> str | None:
    """The topic of a partition folder `<topic>-<n>`, when it is one of `names` (folders of
    deleted partitions, `<topic>-<n>.<id>-delete`, and other files are not)."""
    topic, _, number = folder.name.rpartition("-")
    return topic if number.isdigit() and topic in names and folder.is_dir() else None


def history_size(log_dirs: Iterable[Path], topic_names: Sequence[str]) -> HistorySize:
    """The size of the partitions of `topic_names` in `log_dirs`."""
    names = set(topic_names)
    found: set[str] = set()
    disk = records = 0
    for log_dir in log_dirs:
        for folder in log_dir.iterdir():
            topic = _partition_topic(folder, names)
            if topic is None:
                continue
            found.add(topic)
            for file in folder.iterdir():
                try:
                    stat = file.stat()
                except FileNotFoundError:  # Kafka removed it meanwhile (a swapped index)
                    continue
                disk += stat.st_blocks * _BLOCK
                if file.suffix == ".log":
                    records += stat.st_size
    return HistorySize(disk, records, len(found))


def format_bytes(count: int) -> str:
    """`1.2 GiB`, `340.0 KiB`, `12 B`: binary units, one decimal."""
    if count < 1024:
        return f"{count} B"
    size = count / 1024
    units = ("KiB", "MiB", "GiB", "TiB")
    for unit in units[:-1]:
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} {units[-1]}"


def history_line(layout: StackLayout) -> str:
    """The line `status` prints, e.g. `history: 1.2 GiB in 4 topics (records 1.1 GiB)`."""
    log_dirs = kafka_log_dirs(layout)
    if not log_dirs:
        return "history: no Kafka data yet"
    try:
        size = history_size(log_dirs, [t.name for t in HISTORY_TOPICS])
    except OSError as exc:  # e.g. a folder this user may not read
        return f"history: size unknown ({exc})"
    return (
        f"history: {format_bytes(size.disk_bytes)} in {size.topics} topics "
        f"(records {format_bytes(size.record_bytes)})"
    )
