"""The topics one handler instance reads and writes, optionally under a name prefix.

Production uses topology's names unchanged. Integration tests and benchmarks give a private
prefix (`OPEN_BANK_COMMAND_HANDLER_TOPIC_PREFIX`), so a private handler reads private
commands and publishes to private topics the stack's backend never reads.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from topology.topics import (
    ACCOUNT_CREATION_FEEDBACK,
    BALANCE_CHANGED,
    COMMANDS,
    DEAD_LETTER,
    MONEY_TRANSFER_FEEDBACK,
    Topic,
)

__all__ = ["HandlerTopics"]


@dataclass(frozen=True, slots=True)
class HandlerTopics:
    """Input and output topics of the command handler."""

    commands: Topic
    account_creation_feedback: Topic
    money_transfer_feedback: Topic
    balance_changed: Topic
    dead_letter: Topic

    @classmethod
    def with_prefix(cls, prefix: str = "") -> HandlerTopics:
        """Topology's topics, each name prefixed with `prefix` (empty: the real ones)."""

        def named(topic: Topic) -> Topic:
            return dataclasses.replace(topic, name=prefix + topic.name) if prefix else topic

        return cls(
            commands=named(COMMANDS),
            account_creation_feedback=named(ACCOUNT_CREATION_FEEDBACK),
            money_transfer_feedback=named(MONEY_TRANSFER_FEEDBACK),
            balance_changed=named(BALANCE_CHANGED),
            dead_letter=named(DEAD_LETTER),
        )

    def output_for(self, topic: Topic) -> Topic:
        """The (possibly prefixed) topic that stands for topology's `topic`."""
        by_name = {
            ACCOUNT_CREATION_FEEDBACK.name: self.account_creation_feedback,
            MONEY_TRANSFER_FEEDBACK.name: self.money_transfer_feedback,
            BALANCE_CHANGED.name: self.balance_changed,
            DEAD_LETTER.name: self.dead_letter,
        }
        return by_name[topic.name]

    @property
    def all(self) -> tuple[Topic, ...]:
        """Every topic of the handler, input first."""
        return (
            self.commands,
            self.account_creation_feedback,
            self.money_transfer_feedback,
            self.balance_changed,
            self.dead_letter,
        )
