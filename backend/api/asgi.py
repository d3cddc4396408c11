"""The GraphQL endpoint as starlette routes: HTTP, WebSocket (both protocols), GraphiQL
(its page and assets, ``backend.api.graphiql``).

The resolvers' context is built once per app (``app.state.context``) and copied per
request with the client's address, which the login and deposit limits key on.
"""

import hmac
from dataclasses import replace
from typing import Any

import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from backend.api.context import ApiContext
from backend.api.graphiql import GraphiQLAssets
from backend.tracing import TracedTransportWS

__all__ = ["PROXY_SECRET_HEADER", "GraphQLApp", "client_address", "graphql_routes"]

#: nginx proves it is nginx with this header (its value from `.run/secrets`, mode 0600):
#: any local program can connect from 127.0.0.1, but only nginx knows the secret.
PROXY_SECRET_HEADER = "x-open-bank-proxy"  # noqa: S105 - a header name, not the secret


def client_address(request: Request | WebSocket, proxy_secret: str | None) -> str:
    """The client's address: the one nginx saw (X-Real-IP) when the request carries
    nginx's secret, otherwise the connection's own peer."""
    peer = request.client.host if request.client is not None else "unknown"
    if proxy_secret is None:
        return peer
    offered = request.headers.get(PROXY_SECRET_HEADER)
    forwarded = request.headers.get("x-real-ip")
    if (
        offered is not None
        and forwarded
        and hmac.compare_digest(offered.encode(), proxy_secret.encode())
    ):
        return forwarded
    return peer


class GraphQLApp(GraphQL[ApiContext, None]):
    """strawberry's ASGI app with our typed context and our own GraphiQL page."""

    graphiql = GraphiQLAssets()
    graphql_transport_ws_handler_class = TracedTransportWS

    async def render_graphql_ide(self, request: Request) -> Response:
        # strawberry's page loads its scripts from a CDN (blank offline); ours are local.
        return self.graphiql.page()

    async def get_context(self, request: Request | WebSocket, response: object) -> ApiContext:
        shared: ApiContext = request.app.state.context
        secret: str | None = getattr(request.app.state, "proxy_secret", None)
        return replace(shared, client=client_address(request, secret))

    def parse_json(self, data: str | bytes) -> Any:
        # strawberry calls `.get` on whatever the body decodes to (`null`, a number: a 500)
        # and only catches JSONDecodeError (bytes that are not UTF-8: a 500). Both are the
        # client's mistake: 400.
        try:
            decoded = super().parse_json(data)
        except UnicodeDecodeError as exc:
            raise HTTPException(400, "the request body is not UTF-8") from exc
        if not isinstance(decoded, dict | list):
            raise HTTPException(400, "the request body must be a JSON object")
        return decoded


def graphql_routes(schema: strawberry.Schema, max_subscriptions: int) -> list[BaseRoute]:
    """Exact routes for ``/graphql``: a Mount would answer POST /graphql with a 307."""
    graphql = GraphQLApp(
        schema,
        graphql_ide="graphiql",
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        max_subscriptions_per_connection=max_subscriptions,
    )
    return [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        graphql.graphiql.route(),
    ]
