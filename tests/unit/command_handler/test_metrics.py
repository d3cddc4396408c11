"""The lag gauge reads librdkafka's statistics JSON."""

from __future__ import annotations

import json

from command_handler.metrics import HandlerMetrics


def test_consumer_lag_from_statistics() -> None:
    metrics = HandlerMetrics()
    stats = {
        "topics": {
            "commands": {
                "partitions": {
                    "0": {"consumer_lag": 12},
                    "1": {"consumer_lag": -1},
                    "-1": {"consumer_lag": 99},
                }
            }
        }
    }
    metrics.record_statistics(json.dumps(stats))
    lag = metrics.registry.get_sample_value(
        "open_bank_command_handler_consumer_lag", {"partition": "0"}
    )
    assert lag == 12
    assert (
        metrics.registry.get_sample_value(
            "open_bank_command_handler_consumer_lag", {"partition": "-1"}
        )
        is None
    )
