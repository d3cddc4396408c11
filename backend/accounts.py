"""Login-or-register on top of the command handler's account creation.

The backend keeps ``username → (argon2 hash, command id)``; the handler keeps
``command id → (iban, token)``. Logging in re-sends ConfirmAccountCreation with
the stored command id, and the handler answers with the same iban and token.
"""

from uuid import UUID, uuid4

from backend.outcomes import AccountOutcome
from backend.passwords import PasswordHashing
from backend.pending import PendingResults
from backend.ports import AccountRecord, AccountStore, CommandPublisher
from backend.throttle import LoginThrottle
from backend.validation import MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, check_text

__all__ = [
    "INCORRECT_PASSWORD",
    "UNKNOWN_USERNAME",
    "USERNAME_TAKEN",
    "AccountService",
    "check_credentials",
]

INCORRECT_PASSWORD = "incorrect password"  # noqa: S105 - a reason text, not a password
UNKNOWN_USERNAME = "unknown username"
USERNAME_TAKEN = "username already taken"


def check_credentials(username: str, password: str) -> tuple[str, str]:
    """Validate the two arguments every account operation takes."""
    check_text("username", username, min_length=1, max_length=MAX_USERNAME_LENGTH)
    check_text("password", password, min_length=1, max_length=MAX_PASSWORD_LENGTH)
    return username, password


class AccountService:
    """Opens accounts and logs in; failures the person can fix come back as reasons."""

    def __init__(
        self,
        store: AccountStore,
        publisher: CommandPublisher,
        pending: PendingResults[UUID, AccountOutcome],
        hashing: PasswordHashing,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self._throttle = throttle or LoginThrottle()
        self._store = store
        self._publisher = publisher
        self._pending = pending
        self._hashing = hashing

    async def get_account(
        self, username: str, password: str, client: str = "local"
    ) -> AccountOutcome:
        """The original's login-or-register: a new username opens an account."""
        check_credentials(username, password)
        self._throttle.check(client)
        existing = await self._store.find(username)
        if existing is not None:
            return await self._login(existing, password, client)
        return await self._register(username, password, client)

    async def create_account(
        self, username: str, password: str, client: str = "local"
    ) -> AccountOutcome:
        """Register only: a known username is refused."""
        check_credentials(username, password)
        self._throttle.check(client)
        if await self._store.find(username) is not None:
            return AccountOutcome(reason=USERNAME_TAKEN)
        return await self._register(username, password, client, allow_existing=False)

    async def login(self, username: str, password: str, client: str = "local") -> AccountOutcome:
        """Log in only: an unknown username is refused."""
        check_credentials(username, password)
        self._throttle.check(client)
        existing = await self._store.find(username)
        if existing is None:
            return AccountOutcome(reason=UNKNOWN_USERNAME)
        return await self._login(existing, password, client)

    async def _login(self, record: AccountRecord, password: str, client: str) -> AccountOutcome:
        if not await self._hashing.verify(record.password_hash, password):
            self._throttle.failed(client)
            return AccountOutcome(reason=INCORRECT_PASSWORD)
        return await self._confirm(record.command_id)

    async def _register(
        self, username: str, password: str, client: str, *, allow_existing: bool = True
    ) -> AccountOutcome:
        fresh = AccountRecord(username, await self._hashing.hash(password), uuid4())
        stored = await self._store.add(fresh)
        if stored != fresh:
            # Someone registered the same username meanwhile: theirs wins.
            if not allow_existing:
                return AccountOutcome(reason=USERNAME_TAKEN)
            return await self._login(stored, password, client)
        outcome = await self._confirm(fresh.command_id)
        if not outcome.success:
            # The handler refused (e.g. an iban clash): free the username so a
            # retry opens a new account with a new command id.
            await self._store.remove(fresh)
        return outcome

    async def _confirm(self, command_id: UUID) -> AccountOutcome:
        return await self._pending.wait_for(
            command_id, lambda: self._publisher.send_account_creation(command_id)
        )
