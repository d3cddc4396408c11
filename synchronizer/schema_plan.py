"""Which subjects the topology needs, and a readable account of how two schemas differ.

Pure: no registry calls. The registry decides compatibility; `explain_change` only makes
its refusal readable by naming the fields involved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from topology.schemas import schema_text
from topology.topics import Topic

__all__ = ["SubjectSpec", "explain_change", "wanted_subjects"]


@dataclass(frozen=True, slots=True)
class SubjectSpec:
    """One subject (TopicRecordNameStrategy) and the schema text it must hold."""

    subject: str
    schema_text: str


def wanted_subjects(topics: Sequence[Topic]) -> tuple[SubjectSpec, ...]:
    """Every subject of `topics`, in topology order, with its local `.avsc` text."""
    return tuple(
        SubjectSpec(topic.subject(record_type), schema_text(record_type))
        for topic in topics
        for record_type in topic.record_types
    )


def _fields(text: str) -> dict[str, dict[str, Any]]:
    parsed = json.loads(text)
    if not isinstance(parsed, dict):
        return {}
    return {str(f["name"]): f for f in parsed.get("fields", []) if isinstance(f, dict)}


def _type_text(avro_type: object) -> str:
    return json.dumps(avro_type, sort_keys=True, separators=(",", ":"))


def explain_change(registered_text: str, local_text: str) -> list[str]:
    """Field-level differences from the registered schema to the local one, e.g.
    `field note added without a default`. Empty when the record fields are the same."""
    registered = _fields(registered_text)
    local = _fields(local_text)
    changes: list[str] = []
    for name, field in local.items():
        if name not in registered:
            if "default" in field:
                changes.append(f"field {name} added with a default")
            else:
                changes.append(
                    f"field {name} added without a default (data written before has no {name})"
                )
        elif _type_text(field["type"]) != _type_text(registered[name]["type"]):
            changes.append(
                f"field {name} changed type from {_type_text(registered[name]['type'])} "
                f"to {_type_text(field['type'])}"
            )
    changes.extend(f"field {name} removed" for name in registered if name not in local)
    return changes
