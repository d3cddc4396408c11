"""The handler contract (`tests.support.handler_contract`) on the loop run in-process, with a
fake consumer, the in-memory store and the in-process registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import handler_contract
from tests.support.handler_memory_bank import InMemoryBank


@pytest.fixture
def bank() -> Iterator[InMemoryBank]:
    memory = InMemoryBank()
    yield memory
    memory.close()


def test_every_reason_text_is_reachable(bank: InMemoryBank) -> None:
    balances = handler_contract.every_reason_text_is_reachable(bank)
    assert {iban: bank.balance(iban) for iban in balances} == balances


def test_a_replayed_command_id_gets_the_same_answer_and_no_new_balance_changed(
    bank: InMemoryBank,
) -> None:
    handler_contract.replayed_command_ids_change_nothing(bank)


def test_undecidable_messages_go_to_the_dead_letter_topic(bank: InMemoryBank) -> None:
    handler_contract.undecidable_messages_are_dead_lettered(bank)
