"""The dashboard's sampler as the app's lifespan builds it, with its clean-up."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from backend.dashboard.collect import Collector
from backend.dashboard.feed import DashboardFeed
from backend.kafka.lag import LagReader
from backend.metrics import BackendMetrics
from backend.settings import BackendSettings

__all__ = ["start_dashboard"]


def start_dashboard(
    settings: BackendSettings,
    admin_config: dict[str, Any],
    metrics: BackendMetrics,
    stack: AsyncExitStack,
) -> DashboardFeed:
    """A feed that samples only while subscribed; closed with ``stack``."""
    collector = Collector(
        handler_metrics_url=settings.handler_metrics_url,
        own_metrics=metrics.render,
        lag=LagReader(admin_config, settings.dashboard_groups),
        supervisor_socket=settings.supervisor_socket,
    )
    stack.push_async_callback(collector.aclose)
    feed = DashboardFeed(collector)
    stack.push_async_callback(feed.close)
    return feed
