"""The GraphQL layer: strawberry types and thin resolvers over the services."""

from backend.api.schema import build_schema

__all__ = ["build_schema"]
