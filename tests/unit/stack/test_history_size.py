"""Unit tests of `stack.history_size`: which folders count, how sizes are summed and shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.history_size import format_bytes, history_line, history_size, kafka_log_dirs
from stack.layout import StackLayout
from stack.ports import Ports
from stack.state import StackState, write_state


def _segment(folder: Path, name: str, size: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"x" * size)


def test_only_the_partitions_of_the_topics_asked_about_count(tmp_path: Path) -> None:
    node1, node2 = tmp_path / "node-1" / "data", tmp_path / "node-2" / "data"
    _segment(node1 / "commands-0", "00000000000000000000.log", 5000)
    _segment(node1 / "commands-0", "00000000000000000000.index", 100)
    _segment(node2 / "commands-0", "00000000000000000000.log", 5000)  # a replica
    _segment(node1 / "balance_changed-11", "00000000000000000000.log", 3000)
    _segment(node1 / "heartbeat-0", "00000000000000000000.log", 7000)
    _segment(node1 / "commands-1.4f2a-delete", "00000000000000000000.log", 9000)
    _segment(node1 / "__cluster_metadata-0", "00000000000000000000.log", 9000)
    (node1 / "meta.properties").write_text("version=1\n")

    size = history_size([node1, node2], ["commands", "balance_changed", "money_transfer_feedback"])

    assert size.topics == 2
    assert size.record_bytes == 13_000
    # Whole blocks of the three .log files and the index, whatever the file system's block.
    assert 13_100 <= size.disk_bytes < 13_100 + 4 * 65_536


def test_nothing_on_disk_is_zero(tmp_path: Path) -> None:
    assert history_size([tmp_path], ["commands"]).topics == 0
    assert history_size([], ["commands"]).disk_bytes == 0


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1_288_490_189, "1.2 GiB"),
        (2**42, "4.0 TiB"),
    ],
)
def test_sizes_read_in_binary_units(count: int, text: str) -> None:
    assert format_bytes(count) == text


def test_the_status_line_reads_the_current_clusters_nodes(tmp_path: Path) -> None:
    layout = StackLayout(tmp_path, tmp_path / "run", tmp_path / "cache", Ports(0))
    assert history_line(layout) == "history: no Kafka data yet"
    write_state(layout, StackState(brokers=3))
    for node in (1, 2, 3):
        data = layout.kafka_cluster_dir(3) / f"node-{node}" / "data"
        _segment(data / "balance_changed-0", "00000000000000000000.log", 2048)
    _segment(layout.kafka_cluster_dir(1) / "node-1" / "data" / "commands-0", "0.log", 10**6)

    assert len(kafka_log_dirs(layout)) == 3
    line = history_line(layout)
    assert line.startswith("history: ")
    assert line.endswith(" in 1 topics (records 6.0 KiB)")
