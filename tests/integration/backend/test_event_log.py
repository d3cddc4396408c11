"""The Events page's API on the real stack: a deposit's command, answer and balance
change arrive decoded, with their place in the log and their registry schema ids, and
event_chain finds the same records."""

import asyncio
import time
from typing import Any
from uuid import uuid4

import httpx
import pytest

from bench.graphql_ws import GraphQLWebSocket
from topology.records import BalanceChanged, ConfirmMoneyTransfer, MoneyTransferConfirmed
from topology.topics import BALANCE_CHANGED, COMMANDS, MONEY_TRANSFER_FEEDBACK

pytestmark = pytest.mark.integration

RECORD = (
    "topic partition offset timestamp_ms record_type schema_id command_id fields { name value }"
)
EVENT_LOG = f"""
subscription ($iban: String) {{
  event_log(iban: $iban) {{ sampled_one_in matched left_out records {{ {RECORD} }} }}
}}"""
EVENT_CHAIN = f"""
query ($id: String!) {{
  event_chain(command_id: $id) {{
    matched_by command {{ {RECORD} }} answer {{ {RECORD} }} balance_changes {{ {RECORD} }}
  }}
}}"""
GET_ACCOUNT = """
subscription ($u: String!, $p: String!) {
  get_account(username: $u, password: $p) { iban token reason }
}"""
DEPOSIT = """
subscription ($uuid: String!, $to: String!, $descr: String!) {
  money_transfer(uuid: $uuid, token: "cash", amount: 1234, from: "cash", to: $to,
                 descr: $descr) { uuid success reason }
}"""
WAIT_S = 15.0


def fields(record: dict[str, Any]) -> dict[str, str | None]:
    return {f["name"]: f["value"] for f in record["fields"]}


def registry_id(registry_url: str, subject: str) -> int:
    """The id the registry gives the subject's latest schema (what the handler writes)."""
    response = httpx.get(f"{registry_url}/subjects/{subject}/versions/latest", timeout=10)
    response.raise_for_status()
    schema_id: int = response.json()["id"]
    return schema_id


async def test_a_deposit_s_command_answer_and_balance_change_stream_with_offsets(
    graphql_ws_url: str, backend_address: str, registry_url: str
) -> None:
    command_id, description = str(uuid4()), f"events-{uuid4().hex[:8]}"
    async with GraphQLWebSocket(graphql_ws_url, "graphql-transport-ws") as ws:
        account = (await ws.first(GET_ACCOUNT, {"u": f"it-{uuid4()}", "p": "password1"}))["data"]
        iban = account["get_account"]["iban"]
        async with ws.operation(EVENT_LOG, {"iban": iban}) as batches:
            answer = await ws.first(DEPOSIT, {"uuid": command_id, "to": iban, "descr": description})
            assert answer["data"]["money_transfer"]["success"] is True, answer
            seen: dict[str, dict[str, Any]] = {}
            last_offset: dict[tuple[str, int], int] = {}
            deadline = time.monotonic() + WAIT_S
            # The first batch is the recent past; the account's creation is in it, or (when
            # this reader is a few ms behind the live feed) in a batch soon after.
            while len(seen) < 4 and time.monotonic() < deadline:
                batch = await asyncio.wait_for(anext(batches), WAIT_S)
                assert batch.get("errors") is None, batch
                for record in batch["data"]["event_log"]["records"]:
                    place = (record["topic"], record["partition"])
                    assert record["offset"] > last_offset.get(place, -1), "log order per partition"
                    last_offset[place] = record["offset"]
                    if (
                        record["command_id"] == command_id
                        or fields(record).get("description") == description
                        or record["record_type"] == "AccountCreationConfirmed"
                    ):
                        seen[record["record_type"]] = record
    assert fields(seen["AccountCreationConfirmed"])["token"] == "hidden"  # a key never leaves
    command = seen[ConfirmMoneyTransfer.AVRO_NAME]
    result = seen[MoneyTransferConfirmed.AVRO_NAME]
    change = seen[BalanceChanged.AVRO_NAME]
    assert (command["topic"], result["topic"], change["topic"]) == (
        COMMANDS.name,
        MONEY_TRANSFER_FEEDBACK.name,
        BALANCE_CHANGED.name,
    )
    assert fields(command) | {"id": None} == {
        "id": None,
        "token": "cash",
        "amount": "1234",
        "from": "cash",
        "to": iban,
        "description": description,
    }
    assert fields(change)["iban"] == iban
    assert fields(change)["changed_by"] == "1234"
    for record in (command, result, change):
        assert record["offset"] >= 0
        assert record["timestamp_ms"] > 0
        subject = f"{record['topic']}-nl.openweb.data.{record['record_type']}"
        assert record["schema_id"] == registry_id(registry_url, subject)

    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"http://{backend_address}/graphql",
            json={"query": EVENT_CHAIN, "variables": {"id": command_id.upper()}},
        )
    chain = response.json()["data"]["event_chain"]
    keys = ("topic", "partition", "offset")
    assert [chain["command"][k] for k in keys] == [command[k] for k in keys]
    assert [chain["answer"][k] for k in keys] == [result[k] for k in keys]
    assert [[c[k] for k in keys] for c in chain["balance_changes"]] == [[change[k] for k in keys]]
    assert chain["matched_by"] in {"content", "command id"}
    # The closed stream gave its place in the hub back.
    assert await open_streams(backend_address) == 0


async def open_streams(address: str) -> float:
    """`backend_event_log_streams` of /metrics, once it has settled (or after 5 s)."""
    deadline = time.monotonic() + 5
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            text = (await client.get(f"http://{address}/metrics")).text
            value = next(
                float(line.split()[1])
                for line in text.splitlines()
                if line.startswith("backend_event_log_streams ")
            )
            if value == 0 or time.monotonic() > deadline:
                return value
            await asyncio.sleep(0.1)


async def test_a_wrong_iban_is_refused_by_name(graphql_ws_url: str) -> None:
    async with GraphQLWebSocket(graphql_ws_url, "graphql-transport-ws") as ws:
        result = await ws.first(EVENT_LOG, {"iban": "NL00OPEN0000000000"})
    errors = result.get("errors") or []
    assert errors, result
    assert "iban" in errors[0]["message"]
