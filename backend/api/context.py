"""What every resolver gets: the services and the limits, built once per app."""

from dataclasses import dataclass

from strawberry.types import Info

from backend.accounts import AccountService
from backend.dashboard.feed import DashboardFeed
from backend.event_log import EventLog
from backend.hub import TransactionHub
from backend.ports import TransactionStore
from backend.transfers import TransferService

__all__ = ["ApiContext", "ApiInfo", "ApiLimits"]


@dataclass(frozen=True, slots=True)
class ApiLimits:
    """Bounds on arguments: amounts in euro cents, page sizes in rows."""

    max_amount_cents: int = 10_000_000_000
    #: One deposit (a transfer from ``cash``) at most: €10.000,00.
    max_deposit_cents: int = 1_000_000
    max_page_size: int = 1000


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The resolvers' typed context (shared by all requests of one app)."""

    accounts: AccountService
    transfers: TransferService
    transactions: TransactionStore
    hub: TransactionHub
    limits: ApiLimits
    #: The live dashboard's sampler; None where the app runs without one (unit tests).
    dashboard: DashboardFeed | None = None
    #: The history topics for the Events page; None where no Kafka reader runs (fakes).
    events: EventLog | None = None
    #: The client's address (per request; rate limits key on it).
    client: str = "local"


ApiInfo = Info[ApiContext, None]
