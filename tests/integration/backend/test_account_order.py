"""An account's changes published out of decided order, on the real stack: the API shows the
balance of the later-decided change, not of the one that reached the log last.

Two handler instances can publish that way (docs/reliability.md, "Per-account order"); this
test writes such a pair itself, with the serde and the handler's principal, onto the stack's
`balance_changed`, for an account it opens. The pair moves +500 then -500 cents in log order,
so the handler's balance (0), its ledger (no change) and `./bank verify` stay as they were;
only `decided` says the +500 came last.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient

from tests.integration.replay.conftest import Bank
from topology.records import BalanceChanged
from topology.serde import RecordSerde
from topology.topics import BALANCE_CHANGED

pytestmark = pytest.mark.integration

# Far above any number the handler's ledger hands out on a test stack.
DECIDED = 10**15 + 1
NEWEST = """
query ($iban: String!) {
  account(iban: $iban) { balance_cents }
  transactions_by_iban(iban: $iban, max_items: 5) { id new_balance_cents descr }
  all_last_transactions { iban new_balance_cents }
}"""


@pytest.fixture
def serde(registry_url: str) -> Iterator[RecordSerde]:
    with SchemaRegistryClient({"url": registry_url}) as client:
        yield RecordSerde(client)


def _handler_producer(env: dict[str, str]) -> Producer:
    """A plain producer with the command handler's certificate (only it may write)."""
    return Producer(
        {
            "bootstrap.servers": env["OPEN_BANK_KAFKA_BOOTSTRAP_SERVERS"],
            "security.protocol": env["OPEN_BANK_KAFKA_SECURITY_PROTOCOL"],
            "ssl.ca.location": env["OPEN_BANK_KAFKA_SSL_CA_LOCATION"],
            "ssl.certificate.location": env["OPEN_BANK_KAFKA_SSL_CERTIFICATE_LOCATION"],
            "ssl.key.location": env["OPEN_BANK_KAFKA_SSL_KEY_LOCATION"],
            "enable.idempotence": False,
            "acks": "all",
        }
    )


def test_the_api_shows_the_later_decided_balance_whatever_the_log_order(
    service_env: Callable[[str], dict[str, str]], serde: RecordSerde
) -> None:
    bank = Bank(f"127.0.0.1:{service_env('backend')['OPEN_BANK_BACKEND_PORT']}")
    iban = bank.open_account()["iban"]
    later = BalanceChanged(iban, 500, 500, "cash", "decided second", decided=DECIDED + 1)
    earlier = BalanceChanged(iban, 0, -500, "cash", "decided first", decided=DECIDED)
    producer = _handler_producer(service_env("command-handler"))
    for record in (later, earlier):  # the earlier-decided change reaches the log last
        producer.produce(BALANCE_CHANGED.name, serde.serialize(BALANCE_CHANGED, record), iban)
    assert producer.flush(15) == 0, "the two records were not delivered"

    def both_projected() -> bool:
        return len(_newest(bank, iban)["transactions_by_iban"]) == 2

    bank.wait_for(both_projected, "the projection of both changes")
    found = _newest(bank, iban)
    rows = found["transactions_by_iban"]
    assert [r["descr"] for r in rows] == ["decided second", "decided first"]
    # In the log the +500 came first: the newest by id is the earlier-decided change.
    assert rows[0]["id"] < rows[1]["id"]
    assert found["account"]["balance_cents"] == 500
    last = [t for t in found["all_last_transactions"] if t["iban"] == iban]
    assert last == [{"iban": iban, "new_balance_cents": 500}]


def _newest(bank: Bank, iban: str) -> dict[str, Any]:
    return bank.data(NEWEST, iban=iban)
