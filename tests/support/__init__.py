"""Fakes and clients the tests share: in-memory adapters of the backend's ports, a
GraphQL-over-WebSocket client and an in-process schema registry. No product code imports
this package."""
