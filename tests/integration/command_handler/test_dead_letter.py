"""A message that cannot be decoded goes to the dead-letter topic; the loop goes on."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable

import pytest

from bench.handler_process import HandlerProcess
from tests.support.handler_bank import Bank
from topology.dead_letter import read_dead_letter_origin
from topology.iban import COMPANY_IBAN
from topology.records import Atype, ConfirmAccountCreation, ConfirmMoneyTransfer, Heartbeat
from topology.topics import HEARTBEAT

pytestmark = pytest.mark.integration


def test_garbage_goes_to_the_dead_letter_topic_and_the_next_command_is_answered(
    bank: Bank, start_handler: Callable[..., HandlerProcess]
) -> None:
    start_handler("a")
    garbage = b"this is not avro"
    unknown_schema = b"\x00" + struct.pack(">I", 987_654_321) + b"\x02"
    # A well-formed record of a type `commands` does not carry.
    heartbeat = bank.serde.serialize(HEARTBEAT, Heartbeat(beat=1))
    # A command PostgreSQL could not store (text cannot hold NUL).
    nul = bank.serde.serialize(
        bank.topics.commands,
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", 5, "cash", COMPANY_IBAN, "a\x00b"),
    )
    for key, value in (
        (b"g1", garbage),
        (b"g2", unknown_schema),
        (b"g3", heartbeat),
        (b"g4", nul),
    ):
        bank.send_raw(key, value)
    good = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    bank.send(good)
    outputs = bank.wait_until(lambda o: good.id in o.feedback and len(o.dead_letters) == 4)
    by_key = {m.key(): m for m in outputs.dead_letters}
    assert by_key[b"g1"].value() == garbage
    assert by_key[b"g2"].value() == unknown_schema
    assert by_key[b"g3"].value() == heartbeat
    reasons = {key: read_dead_letter_origin(m.headers()).reason for key, m in by_key.items()}
    assert "Confluent header" in reasons[b"g1"] or "magic byte" in reasons[b"g1"]
    assert "987654321" in reasons[b"g2"]
    assert "Heartbeat" in reasons[b"g3"]
    assert "NUL" in reasons[b"g4"]
    assert by_key[b"g4"].value() == nul
    origin = read_dead_letter_origin(by_key[b"g1"].headers())
    assert origin.topic == bank.topics.commands.name
    assert origin.service.startswith("command-handler-")
    assert len(outputs.feedback[good.id]) == 1


def test_a_command_larger_than_the_consumers_fetch_caps_is_still_read(
    bank: Bank, start_handler: Callable[..., HandlerProcess]
) -> None:
    # 700 kB: above the handler consumer's per-partition (256 KiB) and per-fetch (512 KiB)
    # caps and its message.max.bytes (command_handler.startup); below the broker's 1 MB.
    start_handler("a")
    large = b"\xff" * 700_000
    bank.send_raw(b"large", large)
    good = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    bank.send(good)
    outputs = bank.wait_until(lambda o: good.id in o.feedback and len(o.dead_letters) == 1)
    [dead] = outputs.dead_letters
    assert dead.key() == b"large"
    assert dead.value() == large
    assert "magic byte" in read_dead_letter_origin(dead.headers()).reason


def test_sigterm_finishes_commits_and_exits_cleanly(
    bank: Bank, start_handler: Callable[..., HandlerProcess]
) -> None:
    handler = start_handler("a")
    command = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    bank.send(command)
    bank.wait_until(lambda o: command.id in o.feedback)
    assert handler.stop(timeout_s=20) == 0
    log = handler.log()
    assert '"message": "stop requested"' in log
    assert '"message": "command handler stopped"' in log
