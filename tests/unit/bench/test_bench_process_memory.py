"""The handler drain's RSS sampler: the peak and its anonymous/file split, from /proc."""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.process_memory import RssSampler, rss_split_mib


def test_the_peak_is_split_into_anonymous_and_file_backed_memory() -> None:
    sampler = RssSampler(os.getpid())
    sampler.start()
    time.sleep(0.2)
    sampler.stop()
    split = sampler.peak_split_mib
    assert set(split) == {"anon", "file"}
    # The split is read a moment after the peak's RSS (which includes shared memory too).
    assert abs(split["anon"] + split["file"] - sampler.peak_mib) < 0.1 * sampler.peak_mib


def test_a_process_gone_has_no_split(tmp_path: Path) -> None:
    assert rss_split_mib(tmp_path / "status") == {}
