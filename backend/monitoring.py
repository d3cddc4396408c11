"""What `/healthz` checks and which gauges `/metrics` reads, over the clients the app's
lifespan owns."""

import asyncio
from uuid import UUID

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.event_hub import EventHub
from backend.health import HealthProbe
from backend.hub import TransactionHub
from backend.kafka.history_reader import HistoryReader
from backend.kafka.live import LiveFeed
from backend.kafka.producer import CommandProducer
from backend.kafka.projector import Projector
from backend.metrics import BackendMetrics
from backend.outcomes import AccountOutcome, TransferOutcome
from backend.pending import PendingResults

__all__ = ["health_probes", "register_event_log_gauges", "register_gauges"]


def health_probes(
    registry_url: str,
    engine: AsyncEngine,
    producer: CommandProducer,
    live: LiveFeed,
    projector: Projector,
) -> list[HealthProbe]:
    """`/healthz`'s checks: the Kafka threads and a broker, the registry, the database."""

    async def kafka() -> None:
        if not live.alive:
            raise RuntimeError("live feed thread stopped")
        if not projector.alive:
            raise RuntimeError("projector thread stopped")
        if projector.last_error:
            raise RuntimeError(projector.last_error)
        await asyncio.to_thread(producer.list_topics, 1.5)

    async def registry() -> None:
        async with httpx.AsyncClient(timeout=1.5) as client:
            (await client.get(f"{registry_url.rstrip('/')}/subjects")).raise_for_status()

    async def database() -> None:
        if projector.write_error:
            raise RuntimeError(projector.write_error)
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return [
        HealthProbe("kafka", kafka),
        HealthProbe("registry", registry),
        HealthProbe("database", database),
    ]


def register_gauges(
    metrics: BackendMetrics,
    accounts: PendingResults[UUID, AccountOutcome],
    transfers: PendingResults[UUID, TransferOutcome],
    hub: TransactionHub,
    live: LiveFeed,
    projector: Projector,
) -> None:
    """Gauges read from the long-lived parts at each scrape."""
    metrics.gauge("backend_pending_account_requests", "Logins awaiting feedback.", accounts.__len__)
    metrics.gauge("backend_pending_transfers", "Transfers awaiting feedback.", transfers.__len__)
    metrics.gauge("backend_subscribers", "Open stream_transactions.", lambda: hub.subscriber_count)
    metrics.gauge(
        "backend_subscribers_dropped", "Subscribers dropped as too slow.", lambda: hub.dropped_total
    )
    metrics.gauge("backend_live_records", "Records the live feed routed.", lambda: live.received)
    metrics.gauge("backend_live_skipped", "Undecodable live records.", lambda: live.skipped)
    metrics.gauge("backend_live_ignored", "Live records nobody here needed.", lambda: live.ignored)
    metrics.gauge(
        "backend_projected_rows", "Rows the projector wrote.", lambda: projector.rows_written
    )


def register_event_log_gauges(
    metrics: BackendMetrics, hub: EventHub, reader: HistoryReader
) -> None:
    """The Events page's gauges: open streams, history records read and undecodable."""
    metrics.gauge(
        "backend_event_log_streams", "Open event_log streams.", lambda: hub.subscriber_count
    )
    metrics.gauge(
        "backend_event_log_records", "History records the reader read.", lambda: reader.received
    )
    metrics.gauge(
        "backend_event_log_undecodable",
        "History records the reader could not decode.",
        lambda: reader.undecodable,
    )
