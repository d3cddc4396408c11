"""The only backend modules that touch confluent_kafka objects.

librdkafka calls block, so each client is driven by its own thread; results
cross into the event loop with ``loop.call_soon_threadsafe``.
"""
