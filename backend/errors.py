"""The root of errors whose message is meant for the client.

Anything else raised in a resolver is masked as "Unexpected error." and logged
with its traceback on the server only (no stack traces to clients).
"""

__all__ = ["ClientError", "UnavailableError"]


class ClientError(Exception):
    """An error safe to show to the client; ``extensions`` carries a machine code."""

    def __init__(self, message: str, code: str, **details: str) -> None:
        super().__init__(message)
        self.extensions: dict[str, str] = {"code": code, **details}


class UnavailableError(ClientError):
    """A dependency (``database``, ``kafka``) does not answer now; the same request may be
    sent again after ``retry_after_ms``, and is safe to repeat."""

    def __init__(self, dependency: str, retry_after_ms: int, detail: str = "") -> None:
        super().__init__(
            f"the {dependency} is not reachable right now{f' ({detail})' if detail else ''};"
            f" try again in {retry_after_ms / 1000:g} s",
            "UNAVAILABLE",
            dependency=dependency,
            retry_after_ms=str(retry_after_ms),
        )
        self.dependency = dependency
        self.retry_after_ms = retry_after_ms
