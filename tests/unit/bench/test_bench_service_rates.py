"""From two samples of the services' counters to the profile figures of a step."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.service_rates import RATE_NAMES, service_rates

H = "open_bank_command_handler_"


def _sample(scale: float) -> dict[str, dict[str, float]]:
    return {
        "heartbeat": {"produced": 100 * scale, "delivered": 100 * scale, "failed": 0.0},
        "command-generator": {
            'generator_commands_total{kind="shop"}': 60 * scale,
            'generator_commands_total{kind="salary"}': 40 * scale,
        },
        "command-handler": {
            f'{H}commands_total{{kind="money_transfer",outcome="confirmed"}}': 90 * scale,
            f'{H}commands_total{{kind="money_transfer",outcome="failed"}}': 10 * scale,
            f"{H}batch_size_sum": 100 * scale,
            f"{H}batch_size_count": 10 * scale,
            f"{H}batch_seconds_sum": 0.2 * scale,
            f"{H}batch_seconds_count": 10 * scale,
            f'{H}phase_seconds_sum{{phase="store"}}': 0.05 * scale,
            f'{H}phase_seconds_count{{phase="store"}}': 10 * scale,
            f'{H}phase_seconds_sum{{phase="publish"}}': 0.15 * scale,
            f'{H}phase_seconds_count{{phase="publish"}}': 10 * scale,
        },
        "backend": {"backend_transfer_seconds_sum": 0.0, "backend_transfer_seconds_count": 0.0},
    }


def test_rates_and_means_between_two_samples() -> None:
    rates = service_rates(_sample(1), _sample(3), seconds=20.0)
    assert set(rates) == set(RATE_NAMES)
    assert rates["heartbeat_delivered_per_s"] == pytest.approx(10.0)
    assert rates["generator_commands_per_s"] == pytest.approx(10.0)
    assert rates["handler_commands_per_s"] == pytest.approx(10.0)
    assert rates["handler_batch_size"] == pytest.approx(10.0)
    assert rates["handler_batch_ms"] == pytest.approx(20.0)
    assert rates["handler_store_ms"] == pytest.approx(5.0)
    assert rates["handler_publish_ms"] == pytest.approx(15.0)
    # Nothing observed in between, or not exported at all: no figure rather than a zero.
    assert rates["backend_transfer_ms"] is None
    assert rates["handler_decode_ms"] is None
    assert rates["backend_projected_per_s"] is None


def test_a_restarted_service_gives_no_figure() -> None:
    rates = service_rates(_sample(3), _sample(1), seconds=20.0)
    assert all(value is None for value in rates.values())


def test_samples_must_be_apart() -> None:
    with pytest.raises(ValueError, match="apart"):
        service_rates(_sample(1), _sample(2), seconds=0.0)


@given(st.floats(1.0, 1e6), st.floats(0.0, 1e6), st.floats(0.1, 1e4))
def test_a_counter_rate_is_its_increase_per_second(
    start: float, rise: float, seconds: float
) -> None:
    before = {"heartbeat": {"delivered": start}}
    after = {"heartbeat": {"delivered": start + rise}}
    rate = service_rates(before, after, seconds)["heartbeat_delivered_per_s"]
    assert rate == pytest.approx(rise / seconds, rel=1e-6, abs=1e-6)
    assert rate is not None
    assert rate >= 0
