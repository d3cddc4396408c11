"""How far each service's consumer group is behind (messages), sampled with the resources.

Lag is the sum over a group's partitions of (end offset minus committed offset). A group that
keeps up shows a lag near zero at any load; a growing lag names the bottleneck (the
handler behind on ``commands``, the backend behind on ``balance_changed`` …). Committed
offsets trail by up to the services' auto-commit interval (1 s), so a few hundred messages
of lag at high load is normal; what matters is whether it grows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka import ConsumerGroupTopicPartitions as GroupPartitions
from confluent_kafka.admin import AdminClient

from topology.clients import admin_config, consumer_config
from topology.settings import KafkaSettings

__all__ = ["SERVICE_GROUPS", "ConsumerLag"]

log = logging.getLogger(__name__)

SERVICE_GROUPS = ("command-handler", "backend-projector", "command-generator")
"""The consumer groups of the services that carry the load (their default group ids)."""

_TIMEOUT_S = 5.0


class ConsumerLag:
    """Reads committed offsets and end offsets with the ``bench`` principal."""

    def __init__(self, kafka: KafkaSettings, groups: Sequence[str] = SERVICE_GROUPS) -> None:
        self._groups = tuple(groups)
        self._admin = AdminClient(admin_config(kafka, client_id="bench"))
        # Only for end offsets: this consumer never subscribes, so it joins no group.
        self._ends = Consumer(consumer_config(kafka, client_id="bench", group_id="bench-lag"))

    def close(self) -> None:
        self._ends.close()

    def _committed(self, group: str) -> list[TopicPartition]:
        futures = self._admin.list_consumer_group_offsets(
            [GroupPartitions(group)], request_timeout=_TIMEOUT_S
        )
        partitions: list[TopicPartition] = futures[group].result().topic_partitions or []
        return partitions

    def sample(self) -> dict[str, int]:
        """Lag per group (messages); a group that cannot be read is left out."""
        lags: dict[str, int] = {}
        for group in self._groups:
            try:
                total = 0
                for partition in self._committed(group):
                    if partition.offset < 0:
                        continue  # Nothing committed on this partition yet.
                    _, end = self._ends.get_watermark_offsets(
                        partition, timeout=_TIMEOUT_S, cached=False
                    )
                    total += max(0, end - partition.offset)
                lags[group] = total
            except KafkaException as error:
                log.warning("lag of %s unreadable: %s", group, error)
        return lags
