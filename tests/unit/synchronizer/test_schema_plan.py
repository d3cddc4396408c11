"""Unit tests of `synchronizer.schema_plan`: subjects and readable schema differences."""

from __future__ import annotations

import json

from synchronizer.schema_plan import explain_change, wanted_subjects
from topology.records import BalanceChanged
from topology.schemas import schema_text
from topology.topics import ALL_TOPICS


def test_one_subject_per_record_type_with_the_local_schema() -> None:
    specs = wanted_subjects(ALL_TOPICS)
    assert len(specs) == 8
    assert specs[0].subject == "commands-nl.openweb.data.ConfirmAccountCreation"
    assert len({s.subject for s in specs}) == 8
    balance = next(s for s in specs if s.subject.startswith("balance_changed-"))
    assert balance.schema_text == schema_text(BalanceChanged)


def _with_fields(fields: list[dict[str, object]]) -> str:
    schema = json.loads(schema_text(BalanceChanged))
    schema["fields"] = fields
    return json.dumps(schema)


def test_explain_change_names_every_field() -> None:
    current = json.loads(schema_text(BalanceChanged))["fields"]
    registered = _with_fields(current)
    local = _with_fields(
        [
            *(f for f in current if f["name"] not in ("from_to", "iban")),
            {"name": "iban", "type": "long"},
            {"name": "note", "type": "string"},
            {"name": "tag", "type": "string", "default": ""},
        ]
    )
    assert explain_change(registered, local) == [
        'field iban changed type from "string" to "long"',
        "field note added without a default (data written before has no note)",
        "field tag added with a default",
        "field from_to removed",
    ]


def test_same_schema_has_no_changes() -> None:
    text = schema_text(BalanceChanged)
    assert explain_change(text, text) == []
