"""The ``dashboard`` subscription's types: one raw sample a second (backend/dashboard/).

Counters and histogram buckets are cumulative, as the services export them; the browser
turns two samples into rates and quantiles. Names are snake_case like the rest of the API.
"""

import strawberry

from backend.dashboard.sample import Sample

__all__ = ["DashboardSample"]


@strawberry.type(description="A histogram's cumulative buckets, in seconds.")
class DashboardHistogram:
    name: str
    #: Upper bounds (seconds); ``counts`` has one more entry, the +Inf bucket (all).
    le: list[float]
    counts: list[float]


@strawberry.type(description="Messages a consumer group is behind; null when unreadable.")
class DashboardLag:
    group: str
    messages: float | None


@strawberry.type(description="CPU seconds used so far and resident memory of a component.")
class DashboardComponent:
    name: str
    cpu_seconds: float
    rss_bytes: float


@strawberry.type(description="The stack at one moment; null: that source did not answer.")
class DashboardSample:
    #: Unix time, seconds.
    at: float
    #: Records ever written to `commands` (its end offsets): every producer's commands.
    commands_total: float | None
    #: Commands the handler decided and answered (all outcomes), since it started.
    answers_total: float | None
    latency: list[DashboardHistogram]
    lag: list[DashboardLag]
    components: list[DashboardComponent]

    @classmethod
    def from_sample(cls, sample: Sample) -> "DashboardSample":
        return cls(
            at=sample.at,
            commands_total=sample.commands_total,
            answers_total=sample.answers_total,
            latency=[
                DashboardHistogram(name=name, le=list(h.bounds), counts=list(h.counts))
                for name, h in sorted(sample.latency.items())
            ],
            lag=[DashboardLag(group=g, messages=m) for g, m in sorted(sample.lag.items())],
            components=[
                DashboardComponent(name=n, cpu_seconds=u.cpu_seconds, rss_bytes=u.rss_bytes)
                for n, u in sorted(sample.components.items())
            ],
        )
