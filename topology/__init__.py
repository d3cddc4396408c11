"""open-bank's single source of truth for Kafka: topics (`topology.topics`), records and
their Avro schemas (`topology.records`, `topology.schemas`), the wire format
(`topology.serde`), dead letters (`topology.dead_letter`), client settings and configs
(`topology.settings`, `topology.clients`) and account numbers (`topology.iban`).

Import from the submodules; this package itself exports nothing, so importing one part never
loads the others (the pure parts stay free of confluent-kafka). See docs/topology.md.
"""
