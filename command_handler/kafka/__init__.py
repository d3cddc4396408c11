"""The command handler's Kafka edge, the only code of the handler that imports confluent_kafka:
clients (`clients`), batches read from `commands` (`batches`), the position keeper
(`positions`), decoding (`decoding`), dead letters, and the transactional publisher with its
one-batch-at-a-time pipeline (`publisher`, `pipeline`)."""
