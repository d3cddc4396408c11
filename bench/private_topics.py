"""Throwaway topics on the running stack: created with their schemas, deleted with them.

Benchmarks and integration tests run real services on topics of their own, named apart
from the bank's, so the running bank sees none of it. They are created the way the bank's
own are (the synchronizer's `synchronize`) and deleted, subjects included, afterwards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import httpx
from confluent_kafka.admin import AdminClient

from synchronizer.run import synchronize
from synchronizer.settings import SynchronizerSettings
from topology.clients import admin_config
from topology.settings import KafkaSettings, RegistrySettings
from topology.topics import Topic

__all__ = ["create_private_topics", "delete_private_topics", "prefixed", "private_topics"]

_DELETE_TIMEOUT_S = 30


def prefixed(topics: Iterable[Topic], prefix: str) -> tuple[Topic, ...]:
    """`topics` with `prefix` before each name (what a service's topic prefix setting does)."""
    return tuple(dataclasses.replace(topic, name=prefix + topic.name) for topic in topics)


def create_private_topics(
    kafka: KafkaSettings, registry: RegistrySettings, topics: Sequence[Topic], client_id: str
) -> None:
    """Create `topics` and register their schemas, as the synchronizer does for the bank."""
    settings = SynchronizerSettings(client_id=client_id, attempts=2)
    synchronize(topics, kafka, registry, settings)


def delete_private_topics(
    kafka: KafkaSettings, registry: RegistrySettings, topics: Sequence[Topic], client_id: str
) -> None:
    """Delete `topics` and, for good, their subjects in the registry.

    A subject that is already gone is no error: deleting is cleaning up.
    """
    admin = AdminClient(admin_config(kafka, client_id=client_id))
    for future in admin.delete_topics([topic.name for topic in topics]).values():
        future.result(timeout=_DELETE_TIMEOUT_S)
    with httpx.Client(base_url=registry.url + "/", timeout=10) as http:
        for topic in topics:
            for subject in topic.subjects:
                http.delete(f"subjects/{subject}")
                http.delete(f"subjects/{subject}", params={"permanent": "true"})


@contextmanager
def private_topics(
    kafka: KafkaSettings, registry: RegistrySettings, topics: Sequence[Topic], client_id: str
) -> Iterator[Sequence[Topic]]:
    """`topics`, created for the body of a `with` block and deleted after it."""
    create_private_topics(kafka, registry, topics, client_id)
    try:
        yield topics
    finally:
        delete_private_topics(kafka, registry, topics, client_id)
