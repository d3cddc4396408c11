"""An account's changes published out of decided order, on the real stack: the API shows the
balance of the later-decided change, not of the one that reached the log last.

Two handler instances publish that way when one is paused between its PostgreSQL and its
Kafka commit (docs/reliability.md, "Per-account order"). The test plays both: for an account
it opens, it stores two changes in the handler's ledger as a batch does (numbers from the
ledger's own identity, the balance moved in the same transaction), then writes them onto the
stack's `balance_changed` with the serde and the handler's certificate, the later-decided
first. The stores stay consistent (`./bank verify` and `./bank replay` agree afterwards).
"""

from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient

from tests.integration.replay.conftest import Bank
from topology.records import BalanceChanged
from topology.serde import RecordSerde
from topology.topics import BALANCE_CHANGED

pytestmark = pytest.mark.integration

NEWEST = """
query ($iban: String!) {
  account(iban: $iban) { balance_cents }
  transactions_by_iban(iban: $iban, max_items: 5) { id new_balance_cents descr decided }
  all_last_transactions { iban new_balance_cents }
}"""
STORE_CHANGE = sa.text(
    "INSERT INTO balance_change (command_id, seq, iban, new_balance, changed_by, from_to,"
    " description) VALUES (:id, 0, :iban, :new_balance, :changed_by, 'cash', :description)"
    " RETURNING decided"
)


@pytest.fixture
def serde(registry_url: str) -> Iterator[RecordSerde]:
    with SchemaRegistryClient({"url": registry_url}) as client:
        yield RecordSerde(client)


@pytest.fixture
def handler_database(admin_database_url: str) -> Iterator[sa.Engine]:
    url = sa.make_url(admin_database_url).set(database="command_handler")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def _decide(handler_database: sa.Engine, iban: str) -> list[BalanceChanged]:
    """Two deposits on `iban` decided in one transaction, as the handler stores them."""
    decided = []
    with handler_database.begin() as connection:
        lock = "SELECT amount FROM balance WHERE iban = :iban FOR UPDATE"
        assert connection.execute(sa.text(lock), {"iban": iban}).scalar_one() == 0
        balance = 0
        for cents, description in ((300, "decided first"), (200, "decided second")):
            balance += cents
            command_id = uuid4()
            values = {"id": command_id, "iban": iban, "new_balance": balance}
            values |= {"changed_by": cents, "description": description}
            number = connection.execute(STORE_CHANGE, values).scalar_one()
            decided.append(
                BalanceChanged(iban, balance, cents, "cash", description, command_id, number)
            )
        move = "UPDATE balance SET amount = :amount WHERE iban = :iban"
        connection.execute(sa.text(move), {"amount": balance, "iban": iban})
    return decided


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
    service_env: Callable[[str], dict[str, str]],
    serde: RecordSerde,
    handler_database: sa.Engine,
) -> None:
    bank = Bank(f"127.0.0.1:{service_env('backend')['OPEN_BANK_BACKEND_PORT']}")
    iban = bank.open_account()["iban"]
    first, second = _decide(handler_database, iban)
    assert first.decided is not None
    assert second.decided is not None
    assert first.decided < second.decided
    producer = _handler_producer(service_env("command-handler"))
    for record in (second, first):  # the paused instance's change reaches the log last
        producer.produce(BALANCE_CHANGED.name, serde.serialize(BALANCE_CHANGED, record), iban)
    assert producer.flush(15) == 0, "the two records were not delivered"

    def both_projected() -> bool:
        return len(_newest(bank, iban)["transactions_by_iban"]) == 2

    bank.wait_for(both_projected, "the projection of both changes")
    found = _newest(bank, iban)
    rows = found["transactions_by_iban"]
    assert [r["descr"] for r in rows] == ["decided second", "decided first"]
    assert [r["decided"] for r in rows] == [second.decided, first.decided]
    # In the log the later-decided change came first: by id alone it would look older.
    assert rows[0]["id"] < rows[1]["id"]
    assert found["account"]["balance_cents"] == 500
    last = [t for t in found["all_last_transactions"] if t["iban"] == iban]
    assert last == [{"iban": iban, "new_balance_cents": 500}]


def _newest(bank: Bank, iban: str) -> dict[str, Any]:
    return bank.data(NEWEST, iban=iban)
