"""Private topic names for tests and benchmarks; the real names by default."""

from command_handler.topics import HandlerTopics
from topology.topics import BALANCE_CHANGED, COMMANDS, DEAD_LETTER


def test_default_is_topology() -> None:
    topics = HandlerTopics.with_prefix()
    assert topics.commands is COMMANDS
    assert topics.output_for(BALANCE_CHANGED) is BALANCE_CHANGED


def test_prefix_renames_every_topic_and_keeps_record_types() -> None:
    topics = HandlerTopics.with_prefix("t1-")
    assert [t.name for t in topics.all] == [
        "t1-commands",
        "t1-account_creation_feedback",
        "t1-money_transfer_feedback",
        "t1-balance_changed",
        "t1-dead_letter",
    ]
    assert topics.commands.record_types == COMMANDS.record_types
    assert topics.output_for(DEAD_LETTER).name == "t1-dead_letter"
