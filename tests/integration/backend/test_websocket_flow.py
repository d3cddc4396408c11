"""The issue's Done-when list, over a real WebSocket, once per subscription protocol."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from bench.graphql_ws import GraphQLWebSocket, Protocol

pytestmark = pytest.mark.integration

GET_ACCOUNT = """
subscription ($u: String!, $p: String!) {
  get_account(username: $u, password: $p) { iban token reason }
}"""
MONEY_TRANSFER = """
subscription ($uuid: String!, $token: String!, $amount: Int!, $from: String!, $to: String!,
              $descr: String!) {
  money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to,
                 descr: $descr) { uuid success reason }
}"""
STREAM = """
subscription ($iban: String, $direction: dtype, $min: Int) {
  stream_transactions(iban: $iban, direction: $direction, min_amount: $min) {
    id iban new_balance changed_by from_to descr direction
  }
}"""
BY_IBAN = """
query ($iban: String!) {
  transactions_by_iban(iban: $iban, max_items: 10) {
    id iban new_balance changed_by from_to descr direction
  }
}"""
BY_ID = "query ($id: Int!) { transaction_by_id(id: $id) { id iban changed_by direction } }"
LAST = "{ all_last_transactions { id iban } }"
UNKNOWN_FROM = "NL44OPEN0000009999"
UNKNOWN_TO = "NL71OPEN0000009998"
PROTOCOLS: list[Protocol] = ["graphql-transport-ws", "graphql-ws"]


async def account(ws: GraphQLWebSocket, username: str, phrase: str = "pw") -> dict[str, Any]:
    result = await ws.first(GET_ACCOUNT, {"u": username, "p": phrase})
    assert result.get("errors") is None, result
    found: dict[str, Any] = result["data"]["get_account"]
    return found


async def transfer(ws: GraphQLWebSocket, **arguments: Any) -> dict[str, Any]:
    variables = {"uuid": str(uuid4()), "descr": "integration test", **arguments}
    return await ws.first(MONEY_TRANSFER, variables)


async def query(address: str, text: str, **variables: Any) -> dict[str, Any]:
    """Queries go over HTTP: strawberry's legacy graphql-ws runs subscriptions only."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"http://{address}/graphql", json={"query": text, "variables": variables}
        )
    body: dict[str, Any] = response.json()
    return body


async def next_of(results: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    result = await asyncio.wait_for(anext(results), 10)
    assert result.get("errors") is None, result
    transaction: dict[str, Any] = result["data"]["stream_transactions"]
    return transaction


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_accounts_transfers_stream_and_queries(
    graphql_ws_url: str, backend_address: str, protocol: Protocol
) -> None:
    user = f"it-{uuid4()}"
    async with (
        GraphQLWebSocket(graphql_ws_url, protocol) as ws,
        GraphQLWebSocket(graphql_ws_url, protocol) as watcher,
    ):
        alice = await account(ws, user)
        assert alice["reason"] is None
        assert alice["iban"].startswith("NL")
        assert await account(ws, user) == alice
        assert (await account(ws, user, "wrong"))["reason"] == "incorrect password"
        bob = await account(ws, f"{user}-bob")
        iban = alice["iban"]

        async with (
            watcher.operation(STREAM, {"iban": iban}) as every,
            watcher.operation(STREAM, {"iban": iban, "direction": "DEBIT"}) as debits,
            watcher.operation(STREAM, {"iban": iban, "min": 100_000}) as large,
        ):
            await asyncio.sleep(0.3)  # let the server register the three subscriptions
            deposit = await transfer(ws, token="cash", amount=123_456, to=iban, **{"from": "cash"})
            assert deposit["data"]["money_transfer"]["success"] is True
            moved = await transfer(
                ws, token=alice["token"], amount=2_345, to=bob["iban"], **{"from": iban}
            )
            assert moved["data"]["money_transfer"] == {
                "uuid": moved["data"]["money_transfer"]["uuid"],
                "success": True,
                "reason": None,
            }
            credit, debit = await next_of(every), await next_of(every)
            assert (credit["direction"], credit["changed_by"], credit["new_balance"]) == (
                "CREDIT",
                "€1.234,56",
                "€1.234,56",
            )
            assert credit["from_to"] == "cash"
            assert (debit["direction"], debit["changed_by"], debit["new_balance"]) == (
                "DEBIT",
                "€23,45",
                "€1.211,11",
            )
            assert debit["from_to"] == bob["iban"]
            assert await next_of(debits) == debit
            assert await next_of(large) == credit

        refusals = {
            "invalid token": {"token": "0" * 20, "to": bob["iban"], "amount": 1, "from": iban},
            "insufficient funds": {
                "token": alice["token"],
                "to": bob["iban"],
                "amount": 10_000_000,
                "from": iban,
            },
            "from and to can't be same for transfer": {
                "token": alice["token"],
                "to": iban,
                "amount": 1,
                "from": iban,
            },
            "both to and from not known at this bank": {
                "token": "0" * 20,
                "to": UNKNOWN_TO,
                "amount": 1,
                "from": UNKNOWN_FROM,
            },
        }
        for reason, arguments in refusals.items():
            refused = await transfer(ws, **arguments)
            assert refused["data"]["money_transfer"]["success"] is False, reason
            assert refused["data"]["money_transfer"]["reason"] == reason

        await assert_queries_return(backend_address, iban, [debit, credit])


async def rows_of(address: str, iban: str, *, at_least: int) -> list[dict[str, Any]]:
    """The table's rows of ``iban`` once there are ``at_least`` (or after 20 s)."""
    rows: list[dict[str, Any]] = []
    for _ in range(200):
        rows = (await query(address, BY_IBAN, iban=iban))["data"]["transactions_by_iban"]
        if len(rows) >= at_least:
            break
        await asyncio.sleep(0.1)
    return rows


async def assert_queries_return(address: str, iban: str, streamed: list[dict[str, Any]]) -> None:
    """The projector writes in batches: poll until the rows are there.

    Up to 20 s: when a test's backend instance joins or leaves the shared projector group,
    the partitions being moved wait for the rebalance (at worst the 10 s session time-out
    of an instance that stopped in the middle of one).
    """
    assert await rows_of(address, iban, at_least=len(streamed)) == streamed
    one = await query(address, BY_ID, id=streamed[0]["id"])
    assert one["data"]["transaction_by_id"] == {
        key: streamed[0][key] for key in ("id", "iban", "changed_by", "direction")
    }
    last = (await query(address, LAST))["data"]["all_last_transactions"]
    assert {"id": streamed[0]["id"], "iban": iban} in last


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_same_uuid_twice_and_a_bad_uuid(
    graphql_ws_url: str, backend_address: str, protocol: Protocol
) -> None:
    async with GraphQLWebSocket(graphql_ws_url, protocol) as ws:
        iban = (await account(ws, f"it-{uuid4()}"))["iban"]
        uuid = str(uuid4())
        arguments = {"token": "cash", "amount": 500, "to": iban, "from": "cash", "descr": "once"}
        first = await ws.first(MONEY_TRANSFER, {"uuid": uuid, **arguments})
        again = await ws.first(MONEY_TRANSFER, {"uuid": uuid.upper(), **arguments})
        assert first["data"]["money_transfer"] == {"uuid": uuid, "success": True, "reason": None}
        assert again == first
        rows = await rows_of(backend_address, iban, at_least=1)
        await asyncio.sleep(0.5)  # a second booking would have reached the table by now
        rows = (await query(backend_address, BY_IBAN, iban=iban))["data"]["transactions_by_iban"]
        assert [row["changed_by"] for row in rows] == ["€5,00"]

        bad = await ws.first(MONEY_TRANSFER, {"uuid": "not-a-uuid", **arguments})
        assert bad["data"] is None
        assert bad["errors"][0]["extensions"] == {"code": "INVALID_ARGUMENT", "argument": "uuid"}
