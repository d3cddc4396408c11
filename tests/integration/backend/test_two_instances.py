"""Two backend instances: answers and events do not depend on which one a client uses."""

import asyncio
from typing import Any
from uuid import uuid4

import pytest

from bench.graphql_ws import GraphQLWebSocket

pytestmark = pytest.mark.integration

GET_ACCOUNT = """
subscription ($u: String!, $p: String!) {
  get_account(username: $u, password: $p) { iban token reason }
}"""
MONEY_TRANSFER = """
subscription ($uuid: String!, $amount: Int!, $to: String!) {
  money_transfer(uuid: $uuid, token: "cash", amount: $amount, from: "cash", to: $to,
                 descr: "two instances") { uuid success reason }
}"""
STREAM = """
subscription ($iban: String) { stream_transactions(iban: $iban) { id changed_by direction } }
"""


async def test_same_uuid_and_events_across_instances(
    graphql_ws_url: str, second_backend_address: str
) -> None:
    other_url = f"ws://{second_backend_address}/graphql"
    async with (
        GraphQLWebSocket(graphql_ws_url, "graphql-transport-ws") as first,
        GraphQLWebSocket(other_url, "graphql-transport-ws") as second,
    ):
        # The same username logs in through either instance (one shared database).
        username = f"it-{uuid4()}"
        opened = (await first.first(GET_ACCOUNT, {"u": username, "p": "pw"}))["data"]
        again = (await second.first(GET_ACCOUNT, {"u": username, "p": "pw"}))["data"]
        assert again == opened
        iban = opened["get_account"]["iban"]

        async with second.operation(STREAM, {"iban": iban}) as stream:
            await asyncio.sleep(0.3)
            uuid = str(uuid4())
            variables: dict[str, Any] = {"uuid": uuid, "amount": 700, "to": iban}
            answer = await first.first(MONEY_TRANSFER, variables)
            assert answer["data"]["money_transfer"]["success"] is True
            # The other instance streams the booking the first one caused ...
            event = await asyncio.wait_for(anext(stream), 10)
            assert event["data"]["stream_transactions"]["changed_by"] == "€7,00"
        # ... and gives the same answer to the same uuid, without a second booking.
        assert await second.first(MONEY_TRANSFER, {**variables, "uuid": uuid.upper()}) == answer
