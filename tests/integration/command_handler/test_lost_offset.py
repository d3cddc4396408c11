"""A committed offset that Kafka lost: the group's offsets set back to the start of the log,
as an operator's reset or a group coordinator that served an old commit does. The handler
publishes again only the last answers a failed publish could have left in doubt, skips the
rest as answered, and goes on deciding."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

from bench.handler_process import HandlerProcess
from command_handler.kafka.reach import IN_DOUBT_BATCHES
from command_handler.topics import HandlerTopics
from tests.integration.command_handler.conftest import StackAccess
from tests.support.handler_bank import Bank
from topology.clients import admin_config
from topology.records import (
    AccountCreationConfirmed,
    Atype,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

BATCH_SIZE = 5
MOST = IN_DOUBT_BATCHES * BATCH_SIZE
DEPOSITS = 1_000
SETTINGS = {
    "OPEN_BANK_COMMAND_HANDLER_BATCH_SIZE": str(BATCH_SIZE),
    # The broker's least: the stopped static member leaves the group sooner.
    "OPEN_BANK_COMMAND_HANDLER_SESSION_TIMEOUT_MS": "6000",
}


def _wait_until_empty(admin: AdminClient, group: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        [future] = admin.describe_consumer_groups([group]).values()
        if future.result().state == ConsumerGroupState.EMPTY:
            return
        assert time.monotonic() < deadline, f"group {group} still has members"
        time.sleep(0.5)


def _reset_to_start(admin: AdminClient, group: str, topics: HandlerTopics) -> None:
    partitions = [
        TopicPartition(topics.commands.name, p, 0) for p in range(topics.commands.partitions)
    ]
    [future] = admin.alter_consumer_group_offsets(
        [ConsumerGroupTopicPartitions(group, partitions)]
    ).values()
    future.result()


def test_a_lost_committed_offset_sends_only_the_last_answers_again(
    bank: Bank,
    start_handler: Callable[..., HandlerProcess],
    stack_access: StackAccess,
    private_topics: HandlerTopics,
) -> None:
    handler = start_handler("a", **SETTINGS)
    opened = ConfirmAccountCreation(id=uuid.uuid4(), a_type=Atype.AUTO)
    bank.send(opened)
    outputs = bank.wait_until(lambda o: opened.id in o.feedback)
    account = outputs.feedback[opened.id][0]
    assert isinstance(account, AccountCreationConfirmed)
    deposits = [
        ConfirmMoneyTransfer(uuid.uuid4(), "cash", 100, "cash", account.iban, "deposit")
        for _ in range(DEPOSITS)
    ]
    bank.send(*deposits)
    bank.wait_until(lambda o: all(d.id in o.feedback for d in deposits), 120)
    assert handler.stop() == 0

    group = handler.env["OPEN_BANK_COMMAND_HANDLER_GROUP_ID"]
    admin = AdminClient(admin_config(stack_access.kafka, client_id="tests-command-handler"))
    _wait_until_empty(admin, group)
    _reset_to_start(admin, group, private_topics)
    handler = start_handler("a", **SETTINGS)
    later = ConfirmMoneyTransfer(uuid.uuid4(), "cash", 7, "cash", account.iban, "after")
    bank.send(later)
    outputs = bank.wait_until(lambda o: later.id in o.feedback, 120)
    bank.poll(3)

    # Every partition holds far more than MOST deposits: each sends exactly its last MOST
    # answers again; an unbounded replay would send all of them.
    sent_again = sum(len(outputs.feedback[d.id]) - 1 for d in deposits)
    assert sent_again == MOST * private_topics.commands.partitions
    assert len(outputs.feedback[later.id]) == 1
    assert handler.running()
    assert "Kafka lost the offset the handler committed" in handler.log()
