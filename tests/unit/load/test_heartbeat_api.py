"""The heartbeat control API, through Starlette's in-process test client."""

from __future__ import annotations

from starlette.testclient import TestClient

from load.heartbeat.api import create_control_app
from load.heartbeat.control import LoadControl, LoadSetting


def _client() -> tuple[LoadControl, TestClient]:
    control = LoadControl(LoadSetting(batch_size=0, sleep_ms=100))
    return control, TestClient(create_control_app(control))


def test_get_shows_setting_and_counters() -> None:
    _, client = _client()
    response = client.get("/settings")
    assert response.status_code == 200
    assert response.json() == {
        "batch_size": 0,
        "sleep_ms": 100,
        "messages_per_second": 0.0,
        "produced": 0,
        "delivered": 0,
        "failed": 0,
    }


def test_put_changes_the_load() -> None:
    control, client = _client()
    response = client.put("/settings", json={"batch_size": 30})
    assert response.status_code == 200
    assert response.json()["messages_per_second"] == 300.0
    assert control.setting == LoadSetting(batch_size=30, sleep_ms=100)


def test_put_refuses_bad_values_with_a_reason() -> None:
    control, client = _client()
    for body, reason in [
        ({"batch_size": -1}, "batch_size must be in"),
        ({"sleep_ms": "fast"}, "sleep_ms must be an integer"),
        ({"batch_size": True}, "batch_size must be an integer"),
        ({"rate": 5}, "unknown fields: rate"),
        ([1, 2], "JSON object"),
    ]:
        response = client.put("/settings", json=body)
        assert response.status_code == 422
        assert reason in response.json()["error"]
    assert control.setting == LoadSetting(batch_size=0, sleep_ms=100)


def test_counter_follows_the_sender() -> None:
    control, client = _client()
    control.update(batch_size=7)
    control.take_batch()
    control.delivered = 6
    control.failed = 1
    assert client.get("/counter").json() == {"produced": 7, "delivered": 6, "failed": 1}
