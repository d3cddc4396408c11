"""The heartbeat's HTTP control API (loopback only), so a benchmark can change the load.

``GET /settings`` → the setting and counters; ``PUT /settings`` with a JSON object holding
``batch_size`` and/or ``sleep_ms`` → the new state (422 with a reason when invalid);
``GET /counter`` → just the counters. Documented in docs/benchmark.md.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from load.heartbeat.control import LoadControl

__all__ = ["create_control_app"]

_KNOBS = ("batch_size", "sleep_ms")


def _parse_update(body: Any) -> dict[str, int]:
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    unknown = sorted(set(body) - set(_KNOBS))
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(unknown)}")
    update: dict[str, int] = {}
    for knob in _KNOBS:
        if knob in body:
            value = body[knob]
            # bool is an int subclass; "true" is no batch size.
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{knob} must be an integer")
            update[knob] = value
    return update


def create_control_app(control: LoadControl) -> Starlette:
    """A Starlette app reading and changing ``control``."""

    async def read_settings(request: Request) -> JSONResponse:
        return JSONResponse(control.snapshot())

    async def change_settings(request: Request) -> JSONResponse:
        try:
            update = _parse_update(json.loads(await request.body()))
            control.update(**update)
        except ValueError as error:
            # json.JSONDecodeError is a ValueError too.
            return JSONResponse({"error": str(error)}, status_code=422)
        return JSONResponse(control.snapshot())

    async def read_counter(request: Request) -> JSONResponse:
        snapshot = control.snapshot()
        return JSONResponse({key: snapshot[key] for key in ("produced", "delivered", "failed")})

    return Starlette(
        routes=[
            Route("/settings", read_settings, methods=["GET"]),
            Route("/settings", change_settings, methods=["PUT"]),
            Route("/counter", read_counter, methods=["GET"]),
        ]
    )
