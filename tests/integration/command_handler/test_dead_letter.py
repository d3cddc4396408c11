"""A message that cannot be decoded goes to the dead-letter topic; the loop goes on."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from bench.handler_process import HandlerProcess
from tests.support import handler_contract
from tests.support.handler_bank import Bank
from topology.dead_letter import read_dead_letter_origin
from topology.records import Atype, ConfirmAccountCreation

pytestmark = pytest.mark.integration


def test_garbage_goes_to_the_dead_letter_topic_and_the_next_command_is_answered(
    bank: Bank, start_handler: Callable[..., HandlerProcess]
) -> None:
    start_handler("a")
    handler_contract.undecidable_messages_are_dead_lettered(bank)


def test_a_command_larger_than_the_consumers_fetch_caps_is_still_read(
    bank: Bank, start_handler: Callable[..., HandlerProcess]
) -> None:
    # 700 kB: above the handler consumer's per-partition (256 KiB) and per-fetch (512 KiB)
    # caps and its message.max.bytes (command_handler.kafka.clients); below the broker's 1 MB.
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
