"""The ASGI application: GraphQL at ``/graphql``, ``/healthz``, ``/metrics``.

``create_app()`` reads the settings; ``lifespan`` owns every long-lived client:
the database engines, the one Kafka producer, the live feed and the projector.
"""

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

from confluent_kafka.schema_registry import SchemaRegistryClient
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.accounts import AccountService
from backend.api import build_schema
from backend.api.asgi import graphql_routes
from backend.api.context import ApiContext, ApiLimits
from backend.dashboard.setup import start_dashboard
from backend.deposits import DepositBudget
from backend.event_hub import EventHub
from backend.event_log import EventLog
from backend.feedback import FeedbackRouter
from backend.health import health_report, run_probes
from backend.hub import TransactionHub
from backend.interest import LiveInterest
from backend.kafka.history_reader import HistoryReader
from backend.kafka.live import LiveFeed
from backend.kafka.producer import CommandProducer
from backend.kafka.projector import Projector
from backend.limits import BodySizeLimit
from backend.metrics import BackendMetrics
from backend.monitoring import health_probes, register_event_log_gauges, register_gauges
from backend.outcomes import AccountOutcome, TransferOutcome
from backend.passwords import PasswordHashing
from backend.pending import PendingResults
from backend.settings import BackendSettings
from backend.storage.migrate import upgrade_database
from backend.storage.stores import PostgresAccountStore, PostgresTransactionStore
from backend.storage.writer import ProjectionWriter
from backend.throttle import LoginThrottle
from backend.tracing import HttpTracing, traced_delivery
from backend.transfers import TransferService
from topology.clients import admin_config, consumer_config, producer_config, registry_config
from topology.repeated_logs import with_quiet_logs
from topology.serde import RecordSerde
from topology.settings import DatabaseSettings, KafkaSettings, RegistrySettings

__all__ = ["create_app"]

_log = logging.getLogger(__name__)
_LIVE_READY_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class _Config:
    backend: BackendSettings
    kafka: KafkaSettings
    registry: RegistrySettings
    database: DatabaseSettings


def create_app(
    backend: BackendSettings | None = None,
    *,
    kafka: KafkaSettings | None = None,
    registry: RegistrySettings | None = None,
    database: DatabaseSettings | None = None,
) -> Starlette:
    """The backend app; settings not given are read from the environment."""
    config = _Config(
        backend=backend or BackendSettings(),
        kafka=kafka or KafkaSettings(),
        registry=registry or RegistrySettings(),
        database=database or DatabaseSettings(),
    )
    middleware = [
        Middleware(HttpTracing),
        Middleware(BodySizeLimit, max_bytes=config.backend.max_body_bytes),
    ]
    if config.backend.web_url:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=[config.backend.web_url.rstrip("/")],
                allow_methods=["GET", "POST"],
                allow_headers=["content-type"],
            )
        )
    app = Starlette(
        routes=[
            *graphql_routes(build_schema(), config.backend.max_subscriptions_per_connection),
            Route("/healthz", _healthz),
            Route("/metrics", _metrics),
        ],
        middleware=middleware,
        lifespan=lambda app: _lifespan(app, config),
    )
    app.state.proxy_secret = config.backend.proxy_secret()
    return app


async def _healthz(request: Request) -> Response:
    _healthy, checks = await run_probes(request.app.state.probes)
    status_code, body = health_report(checks)
    return JSONResponse(body, status_code=status_code)


async def _metrics(request: Request) -> Response:
    metrics: BackendMetrics = request.app.state.metrics
    return Response(metrics.render(), media_type="text/plain; version=0.0.4")


@asynccontextmanager
async def _lifespan(app: Starlette, config: _Config) -> AsyncIterator[None]:
    settings = config.backend
    loop = asyncio.get_running_loop()
    url = config.database.url.get_secret_value()
    if settings.migrate_on_start:
        await asyncio.to_thread(upgrade_database, url)
    metrics = BackendMetrics()
    async with AsyncExitStack() as stack:
        # No overflow: overflow connections are closed when returned, so under
        # concurrency each request would pay a new connection (SCRAM auth, ~10 ms of
        # server CPU); waiting for one of 16 pooled connections is far cheaper.
        engine = create_async_engine(url, pool_size=16, max_overflow=0)
        stack.push_async_callback(engine.dispose)
        writer_engine = create_engine(url, pool_size=1, max_overflow=0)
        stack.callback(writer_engine.dispose)
        serde = RecordSerde(SchemaRegistryClient(registry_config(config.registry)))

        accounts: PendingResults[UUID, AccountOutcome] = PendingResults(
            timeout_ms=settings.result_timeout_ms,
            max_pending=settings.max_pending,
            on_answer=metrics.latency_observer("account"),
        )
        transfers: PendingResults[UUID, TransferOutcome] = PendingResults(
            timeout_ms=settings.result_timeout_ms,
            max_pending=settings.max_pending,
            on_answer=metrics.latency_observer("transfer"),
        )
        hub = TransactionHub(queue_size=settings.subscriber_queue_size)
        stack.callback(hub.close)

        def publish_failed(command_id: UUID, error: BaseException) -> None:
            accounts.fail(command_id, error)
            transfers.fail(command_id, error)

        def crashed(error: BaseException) -> None:
            # Called from a Kafka thread. A backend that can no longer hear the handler
            # must not keep answering as if healthy: stop the process (gracefully, so
            # open requests get their time-out) and let the stack start it again.
            _log.critical("a Kafka thread stopped for good (%s); shutting down", error)
            loop.call_soon_threadsafe(os.kill, os.getpid(), signal.SIGTERM)

        instance = f"backend-{settings.instance_id}"
        on_stage = metrics.stage_observer()
        producer = CommandProducer(
            # linger 0: a command goes out at once (a person waits for its answer); under
            # load librdkafka still batches what queues while requests are in flight.
            with_quiet_logs(
                producer_config(config.kafka, client_id=instance, overrides={"linger.ms": 0})
            ),
            serde,
            loop,
            publish_failed,
            on_acked=lambda seconds: on_stage("publish", seconds),
        )
        await asyncio.to_thread(producer.warm_up)
        producer.start()
        stack.push_async_callback(asyncio.to_thread, producer.close)

        live = LiveFeed(
            with_quiet_logs(
                consumer_config(
                    config.kafka,
                    client_id=f"{instance}-live",
                    group_id=f"{instance}-live",
                    auto_offset_reset="latest",
                    overrides={"enable.auto.commit": False},
                ),
            ),
            serde,
            loop,
            traced_delivery(FeedbackRouter(accounts, transfers, hub, on_stage).route),
            crashed,
            wants=LiveInterest(accounts, transfers, hub).wants,
        )
        live.start()
        stack.push_async_callback(asyncio.to_thread, live.stop)
        if not await asyncio.to_thread(live.ready.wait, _LIVE_READY_TIMEOUT_S):
            raise RuntimeError("live feed could not assign its partitions within 30 s")

        # The Events page: one reader of the history topics for every subscriber.
        event_hub = EventHub()
        stack.callback(event_hub.close)
        history = HistoryReader(
            with_quiet_logs(
                consumer_config(
                    config.kafka,
                    client_id=f"{instance}-history",
                    group_id=f"{instance}-history",
                    overrides={"enable.auto.commit": False},
                ),
            ),
            serde,
            loop,
            event_hub.publish,
            lambda: event_hub.has_subscribers,
            crashed,
            ring_size=settings.event_log_ring_size,
            start_back=settings.event_log_start_back,
        )
        history.start()
        stack.push_async_callback(asyncio.to_thread, history.stop)

        projector = Projector(
            with_quiet_logs(
                consumer_config(
                    config.kafka,
                    client_id=f"{instance}-projector",
                    group_id=settings.projector_group_id,
                    instance=settings.projector_instance,
                    # An instance stopped mid-rebalance may not leave the group, so its
                    # partitions wait for the session time-out: keep it short (librdkafka's
                    # own thread sends heartbeats, so a busy event loop cannot miss them).
                    overrides={
                        "session.timeout.ms": 10_000,
                        "heartbeat.interval.ms": 2_000,
                    },
                ),
            ),
            serde,
            ProjectionWriter(writer_engine),
            batch_size=settings.projector_batch_size,
            batch_wait_ms=settings.projector_batch_wait_ms,
            on_crash=crashed,
        )
        projector.start()
        stack.push_async_callback(asyncio.to_thread, projector.stop)

        store = PostgresTransactionStore(engine)
        app.state.context = ApiContext(
            accounts=AccountService(
                PostgresAccountStore(engine),
                producer,
                accounts,
                PasswordHashing(),
                LoginThrottle(
                    per_client=settings.login_attempts_per_client,
                    per_second=settings.login_attempts_per_second,
                    free_failures=settings.login_failures_before_backoff,
                ),
            ),
            transfers=TransferService(
                store,
                producer,
                transfers,
                metrics.transfer_observer(),
                lookup_after_ms=settings.result_lookup_after_ms,
                deposits=DepositBudget(settings.deposit_cents_per_client_per_hour),
                follow_ms=settings.pending_follow_ms,
            ),
            transactions=store,
            hub=hub,
            events=EventLog(history, event_hub),
            limits=ApiLimits(
                max_amount_cents=settings.max_amount_cents,
                max_deposit_cents=settings.max_deposit_cents,
                max_page_size=settings.max_page_size,
            ),
            dashboard=start_dashboard(
                settings,
                admin_config(config.kafka, client_id=f"{instance}-dashboard"),
                metrics,
                stack,
            ),
        )
        app.state.metrics = metrics
        app.state.probes = health_probes(config.registry.url, engine, producer, live, projector)
        register_gauges(metrics, accounts, transfers, hub, live, projector)
        register_event_log_gauges(metrics, event_hub, history)
        _log.info("backend ready on port %d", settings.listen_port)
        yield
