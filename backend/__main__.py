"""``python -m backend``: serve the GraphQL API with uvicorn on 127.0.0.1:8000 (+ offset)."""

import logging

import uvicorn

from backend.api.graphiql import build_graphiql_assets
from backend.settings import BackendSettings
from topology.tracing import setup_tracing

__all__ = ["main"]


def main() -> None:
    """Read the settings once and run uvicorn; SIGTERM/SIGINT stop it gracefully."""
    settings = BackendSettings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # One line per registry request or alembic plugin says nothing an operator needs.
    for chatty in ("httpx", "httpx2", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # GraphiQL's assets come from npm (backend/ide/build.sh); installing them here is how
    # `./bank up` builds them on a fresh clone. Unchanged: a hash check, no npm.
    setup_tracing("backend")
    if not build_graphiql_assets():
        logging.getLogger("backend").error("GraphiQL will show how to install its assets")
    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.listen_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        # The client's address is decided in backend.api.asgi.client_address (only nginx's
        # X-Real-IP counts); uvicorn's own X-Forwarded-For rewrite would believe anyone local.
        proxy_headers=False,
        # Named rather than "auto" (which picks the same when uvicorn[standard] is
        # installed), so a missing one fails at start instead of silently running on
        # the slower pure-Python loop and parser.
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        # Clients waiting on a result get this long to finish at shutdown (s).
        timeout_graceful_shutdown=10,
        ws_max_size=65_536,
    )


if __name__ == "__main__":
    main()
