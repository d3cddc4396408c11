"""Fakes and helpers the tests share: in-memory adapters of the backend's and the handler's
storage ports, a Kafka client of the handler's topics, an in-process schema registry and the
fault suite's harness. No product code imports this package."""
