"""The heartbeat's load setting and counters, shared by the sender and the control API.

Everything runs on one asyncio loop, so a plain mutable object is enough: the control API
changes it between two batches and the sender reads it before each batch.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_BATCH_SIZE", "MAX_SLEEP_MS", "MIN_SLEEP_MS", "LoadControl", "LoadSetting"]

MAX_BATCH_SIZE = 100_000
"""Beats per batch above which a setting is surely a typo (10^6 msg/s at 100 ms)."""

MIN_SLEEP_MS = 1
MAX_SLEEP_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class LoadSetting:
    """How much load to send: ``batch_size`` beats every ``sleep_ms`` milliseconds."""

    batch_size: int
    sleep_ms: int

    def __post_init__(self) -> None:
        if not 0 <= self.batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be in [0, {MAX_BATCH_SIZE}], got {self.batch_size}")
        if not MIN_SLEEP_MS <= self.sleep_ms <= MAX_SLEEP_MS:
            raise ValueError(
                f"sleep_ms must be in [{MIN_SLEEP_MS}, {MAX_SLEEP_MS}], got {self.sleep_ms}"
            )

    @property
    def messages_per_second(self) -> float:
        """The load this setting asks for, in messages per second."""
        return self.batch_size * 1000 / self.sleep_ms


class LoadControl:
    """The current setting plus what has been sent so far (beats handed to Kafka, delivered)."""

    def __init__(self, setting: LoadSetting) -> None:
        self.setting = setting
        self.next_beat = 0
        """The number the next beat carries; also the count of beats produced so far."""
        self.delivered = 0
        """Beats Kafka acknowledged."""
        self.failed = 0
        """Beats Kafka refused or timed out."""

    def update(self, batch_size: int | None = None, sleep_ms: int | None = None) -> LoadSetting:
        """Change one or both knobs (validated together) and return the new setting."""
        self.setting = LoadSetting(
            batch_size=self.setting.batch_size if batch_size is None else batch_size,
            sleep_ms=self.setting.sleep_ms if sleep_ms is None else sleep_ms,
        )
        return self.setting

    def take_batch(self) -> range:
        """The beat numbers of the next batch; counts them as produced."""
        first = self.next_beat
        self.next_beat += self.setting.batch_size
        return range(first, self.next_beat)

    def snapshot(self) -> dict[str, int | float]:
        """The state as the control API shows it (JSON-ready)."""
        return {
            "batch_size": self.setting.batch_size,
            "sleep_ms": self.setting.sleep_ms,
            "messages_per_second": self.setting.messages_per_second,
            "produced": self.next_beat,
            "delivered": self.delivered,
            "failed": self.failed,
        }
