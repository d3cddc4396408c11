"""HTTP clients that connect from an address of their own in 127.0.0.0/8.

On Linux all of 127.0.0.0/8 is the loopback interface, so a test can pose as any number of
distinct client addresses, through nginx or straight to the backend, and the budgets and
back-offs it spends never touch 127.0.0.1, which the rest of the suite uses.
"""

import random

import httpx

__all__ = ["GUESS_EVERY_S", "client_from", "fresh_loopback_address"]

#: Seconds between a test guesser's login attempts: at most 7 a second, under the server's
#: 10 (`LOGIN_ATTEMPTS_PER_SECOND`), so that the guessing address's own back-off answers
#: first, whatever the speed of the password hash.
GUESS_EVERY_S = 0.15


def fresh_loopback_address() -> str:
    """A random address in 127.0.0.0/8 other than 127.0.0.1 (fresh on every run)."""
    rng = random.SystemRandom()
    return f"127.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(2, 254)}"


def client_from(address: str, timeout_s: float = 15.0) -> httpx.Client:
    """An HTTP client whose connections come from ``address``."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout_s)
