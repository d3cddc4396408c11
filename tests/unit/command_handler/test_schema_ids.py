"""The handler's schema ids come from a child: the service never loads the registry client."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from command_handler.plan import StartupPlan
from command_handler.schema_ids import handler_schema_uses
from command_handler.service import known_schema_ids
from command_handler.topics import HandlerTopics
from topology.records import (
    AccountCreationConfirmed,
    AccountCreationFailed,
    BalanceChanged,
    ConfirmAccountCreation,
    ConfirmMoneyTransfer,
    MoneyTransferConfirmed,
    MoneyTransferFailed,
)

_REPO = Path(__file__).resolve().parents[3]


def test_every_record_the_handler_reads_or_writes_is_resolved_under_its_topic() -> None:
    uses = handler_schema_uses(HandlerTopics.with_prefix("p."))
    assert {(topic.name, record_type) for topic, record_type in uses} == {
        ("p.commands", ConfirmAccountCreation),
        ("p.commands", ConfirmMoneyTransfer),
        ("p.account_creation_feedback", AccountCreationConfirmed),
        ("p.account_creation_feedback", AccountCreationFailed),
        ("p.money_transfer_feedback", MoneyTransferConfirmed),
        ("p.money_transfer_feedback", MoneyTransferFailed),
        ("p.balance_changed", BalanceChanged),
    }


def test_the_service_process_does_not_load_the_registry_client() -> None:
    probe = (
        "import sys, command_handler.service; "
        "print('confluent_kafka.schema_registry' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=_REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_an_unreachable_registry_leaves_the_ids_to_the_first_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    plan = StartupPlan(
        instance="0",
        client_id="command-handler-0",
        topic_prefix="",
        batch_size=1,
        poll_timeout_ms=100,
        max_linger_ms=20,
        metrics_port=0,
        log_level="INFO",
        consumer_config={},
        producer_config={},
        # Nothing listens on the discard port; no retries keep the child short.
        registry_config={"url": "http://127.0.0.1:9", "max.retries": 0},
        database_url="postgresql://nobody@127.0.0.1:1/none",
    )
    with caplog.at_level(logging.WARNING, logger="command_handler"):
        assert known_schema_ids(plan) == {}
    assert "schema ids not resolved" in caplog.text
