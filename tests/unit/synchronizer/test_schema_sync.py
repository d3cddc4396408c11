"""Unit tests of `synchronizer.schema_sync` against an in-memory registry that implements
the same port as the HTTP client: check every subject, then register, never half."""

from __future__ import annotations

import json

import pytest

from synchronizer.errors import IncompatibleSchemaError
from synchronizer.registry_api import CompatibilityResult
from synchronizer.schema_plan import SubjectSpec, explain_change, wanted_subjects
from synchronizer.schema_sync import sync_schemas
from topology.records import BalanceChanged
from topology.schemas import schema_text
from topology.topics import ALL_TOPICS


class InMemoryRegistry:
    """Subjects with versions, per-subject levels and a global level, and a BACKWARD check
    that refuses added fields without defaults and changed types (enough for these tests)."""

    def __init__(self, global_level: str = "NONE") -> None:
        self.versions: dict[str, list[str]] = {}
        self.levels: dict[str, str] = {}
        self.global_level = global_level
        self.next_id = 1

    def lookup(self, subject: str, schema_text: str) -> int | None:
        found = schema_text in self.versions.get(subject, [])
        return self.versions[subject].index(schema_text) + 1 if found else None

    def latest_schema(self, subject: str) -> str | None:
        versions = self.versions.get(subject)
        return versions[-1] if versions else None

    def check_compatibility(self, subject: str, schema_text: str) -> CompatibilityResult:
        latest = self.versions[subject][-1]
        problems = [c for c in explain_change(latest, schema_text) if "without" in c or "type" in c]
        if self.compatibility(subject) == "NONE":
            problems = []
        return CompatibilityResult(not problems, tuple(problems))

    def register(self, subject: str, schema_text: str) -> int:
        self.versions.setdefault(subject, []).append(schema_text)
        self.next_id += 1
        return self.next_id - 1

    def compatibility(self, subject: str | None = None) -> str | None:
        if subject is None:
            return self.global_level
        return self.levels.get(subject, self.global_level)

    def set_compatibility(self, level: str, subject: str | None = None) -> None:
        if subject is None:
            self.global_level = level
        else:
            self.levels[subject] = level


SPECS = wanted_subjects(ALL_TOPICS)
BALANCE_SUBJECT = "balance_changed-nl.openweb.data.BalanceChanged"


def test_empty_registry_gets_every_subject_with_backward() -> None:
    registry = InMemoryRegistry()
    report = sync_schemas(registry, SPECS)
    assert [s for s, _ in report.registered] == [s.subject for s in SPECS]
    assert all(registry.compatibility(s.subject) == "BACKWARD" for s in SPECS)
    assert registry.global_level == "NONE"  # the global level is left alone


def test_second_run_changes_nothing() -> None:
    registry = InMemoryRegistry()
    sync_schemas(registry, SPECS)
    again = sync_schemas(registry, SPECS)
    assert not again.changed_anything
    assert again.up_to_date == [s.subject for s in SPECS]


def test_no_level_is_set_when_the_registry_already_reports_backward() -> None:
    registry = InMemoryRegistry(global_level="BACKWARD")
    report = sync_schemas(registry, SPECS)
    assert report.compatibility_set == []
    assert registry.levels == {}


def _balance_without_description() -> str:
    older = json.loads(schema_text(BalanceChanged))
    older["fields"] = [f for f in older["fields"] if f["name"] != "description"]
    return json.dumps(older)


def test_compatible_change_registers_a_new_version() -> None:
    registry = InMemoryRegistry()
    local = json.loads(schema_text(BalanceChanged))
    local["fields"].append({"name": "note", "type": "string", "default": ""})
    registry.register(BALANCE_SUBJECT, schema_text(BalanceChanged))
    report = sync_schemas(registry, [SubjectSpec(BALANCE_SUBJECT, json.dumps(local))])
    assert [s for s, _ in report.registered] == [BALANCE_SUBJECT]
    assert len(registry.versions[BALANCE_SUBJECT]) == 2


def test_one_incompatible_subject_stops_the_run_before_any_registration() -> None:
    registry = InMemoryRegistry()
    registry.register(BALANCE_SUBJECT, _balance_without_description())
    with pytest.raises(IncompatibleSchemaError) as caught:
        sync_schemas(registry, SPECS)
    message = str(caught.value)
    assert message.startswith("refused, nothing registered: subject " + BALANCE_SUBJECT)
    assert "field description added without a default" in message
    assert list(registry.versions) == [BALANCE_SUBJECT]
    assert len(registry.versions[BALANCE_SUBJECT]) == 1
    # The judgement was made under BACKWARD, not under the registry's NONE.
    assert registry.compatibility(BALANCE_SUBJECT) == "BACKWARD"
