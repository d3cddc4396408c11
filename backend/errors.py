"""The root of errors whose message is meant for the client.

Anything else raised in a resolver is masked as "Unexpected error." and logged
with its traceback on the server only (no stack traces to clients).
"""

__all__ = ["ClientError"]


class ClientError(Exception):
    """An error safe to show to the client; ``extensions`` carries a machine code."""

    def __init__(self, message: str, code: str, **details: str) -> None:
        super().__init__(message)
        self.extensions: dict[str, str] = {"code": code, **details}
