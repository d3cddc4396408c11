"""Kafka's own topics kept small, so that a restarted broker answers within a second.

Before a restarted broker's group and transaction coordinators answer, they read
`__consumer_offsets` and `__transaction_state` whole. Both are compacted, but only their
closed segments are, and Kafka's default segment is 100 MiB. The command handler commits
its offsets in every transaction, so its group's partition held 87 MiB of commits, none
compacted, on a stack that had run for days: each broker restart then spent seconds
reading them (docs/reliability.md), while the handler could neither join its group nor
commit. With small segments the cleaner keeps each partition to a few MiB.

A new cluster creates both topics with the size of server.properties
(`offsets.topic.segment.bytes`, `transaction.state.log.segment.bytes`); `align` sets it on
topics created before that, as broker 1 (a super user, as for the ACLs).
"""

from __future__ import annotations

from pathlib import Path

from confluent_kafka import KafkaError, KafkaException

# Defined there; confluent_kafka.admin re-exports them without marking it for type checks.
from confluent_kafka.admin._config import AlterConfigOpType, ConfigEntry, ConfigResource

from stack.broker_admin import broker_admin

__all__ = ["INTERNAL_SEGMENT_BYTES", "INTERNAL_TOPICS", "align_internal_topics"]

#: Segment size of Kafka's internal topics; a partition reads in well under a second.
INTERNAL_SEGMENT_BYTES = 4 * 1024 * 1024
INTERNAL_TOPICS = ("__consumer_offsets", "__transaction_state")
_TIMEOUT_S = 30.0


def align_internal_topics(bootstrap_servers: str, certs_dir: Path) -> list[str]:
    """Set `segment.bytes` of each internal topic that exists and differs; the names set.

    A topic not created yet is skipped: Kafka creates it with server.properties' size.
    """
    admin = broker_admin(bootstrap_servers, certs_dir, "stack-internal-topics")
    wanted = str(INTERNAL_SEGMENT_BYTES)
    resources = [ConfigResource(ConfigResource.Type.TOPIC, topic) for topic in INTERNAL_TOPICS]
    differ: list[str] = []
    for resource, future in admin.describe_configs(resources, request_timeout=_TIMEOUT_S).items():
        try:
            entries = future.result(timeout=_TIMEOUT_S)
        except KafkaException as exc:
            if exc.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                continue
            raise
        if entries["segment.bytes"].value != wanted:
            differ.append(resource.name)
    if differ:
        changes = [
            ConfigResource(
                ConfigResource.Type.TOPIC,
                topic,
                incremental_configs=[
                    ConfigEntry(
                        "segment.bytes", wanted, incremental_operation=AlterConfigOpType.SET
                    )
                ],
            )
            for topic in differ
        ]
        altered = admin.incremental_alter_configs(changes, request_timeout=_TIMEOUT_S)
        for future in altered.values():
            future.result(timeout=_TIMEOUT_S)
    return differ
