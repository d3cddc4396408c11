"""A message that cannot be decoded goes to the dead-letter topic; the loop goes on."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable

import pytest

from command_handler.testing import Bank, HandlerProcess
from topology.dead_letter import read_dead_letter_origin
from topology.records import Atype, ConfirmAccountCreation, Heartbeat
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
    for key, value in ((b"g1", garbage), (b"g2", unknown_schema), (b"g3", heartbeat)):
        bank.send_raw(key, value)
    good = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    bank.send(good)
    outputs = bank.wait_until(lambda o: good.id in o.feedback and len(o.dead_letters) == 3)
    by_key = {m.key(): m for m in outputs.dead_letters}
    assert by_key[b"g1"].value() == garbage
    assert by_key[b"g2"].value() == unknown_schema
    assert by_key[b"g3"].value() == heartbeat
    reasons = {key: read_dead_letter_origin(m.headers()).reason for key, m in by_key.items()}
    assert "Confluent header" in reasons[b"g1"] or "magic byte" in reasons[b"g1"]
    assert "987654321" in reasons[b"g2"]
    assert "Heartbeat" in reasons[b"g3"]
    origin = read_dead_letter_origin(by_key[b"g1"].headers())
    assert origin.topic == bank.topics.commands.name
    assert origin.service.startswith("command-handler-")
    assert len(outputs.feedback[good.id]) == 1
