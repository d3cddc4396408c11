"""`python -m synchronizer`: makes Kafka and the schema registry match `topology`, once,
before the apps start (creates missing topics, reports drift, registers schemas after a
compatibility check of all of them). See docs/topology.md."""
