"""Registering every record schema under its subject: check everything, then register.

A run first inspects every wanted subject: already holding the local schema (nothing to
do), new (register), or changed (ask the registry whether the local schema is compatible
with the latest version). If any subject refuses, the run stops with one message naming
every refusing subject and why, and registers nothing. Only then does it register. Every
subject ends with compatibility BACKWARD (readers with the newest schema can read
everything written before), set on the subject itself so it holds whatever the registry's
global default is (Apicurio's is NONE).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from synchronizer.errors import IncompatibleSchemaError
from synchronizer.registry_api import CompatibilityResult
from synchronizer.schema_plan import SubjectSpec, explain_change

__all__ = ["COMPATIBILITY", "RegistryPort", "SchemaReport", "sync_schemas"]

COMPATIBILITY: Final = "BACKWARD"
_log = logging.getLogger(__name__)


class RegistryPort(Protocol):
    """What schema synchronization needs from a registry (`RegistryApi` over HTTP)."""

    def lookup(self, subject: str, schema_text: str) -> int | None: ...

    def latest_schema(self, subject: str) -> str | None: ...

    def check_compatibility(self, subject: str, schema_text: str) -> CompatibilityResult: ...

    def register(self, subject: str, schema_text: str) -> int: ...

    def compatibility(self, subject: str | None = None) -> str | None: ...

    def set_compatibility(self, level: str, subject: str | None = None) -> None: ...


@dataclass
class SchemaReport:
    """What a run did to the registry."""

    registered: list[tuple[str, int]] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    compatibility_set: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.registered or self.compatibility_set)


def _ensure_compatibility(api: RegistryPort, subject: str, report: SchemaReport) -> None:
    if api.compatibility(subject) != COMPATIBILITY:
        api.set_compatibility(COMPATIBILITY, subject)
        report.compatibility_set.append(subject)
        _log.info("subject %s: compatibility set to %s", subject, COMPATIBILITY)


def sync_schemas(api: RegistryPort, specs: Sequence[SubjectSpec]) -> SchemaReport:
    """Bring the registry to hold every spec; raise `IncompatibleSchemaError` (having
    registered nothing) when any local schema is refused."""
    report = SchemaReport()
    to_register: list[SubjectSpec] = []
    refusals: list[str] = []
    for spec in specs:
        if api.lookup(spec.subject, spec.schema_text) is not None:
            _ensure_compatibility(api, spec.subject, report)
            report.up_to_date.append(spec.subject)
            continue
        latest = api.latest_schema(spec.subject)
        if latest is None:
            to_register.append(spec)
            continue
        # Judge the change under BACKWARD whatever the subject had before.
        _ensure_compatibility(api, spec.subject, report)
        verdict = api.check_compatibility(spec.subject, spec.schema_text)
        if verdict.is_compatible:
            to_register.append(spec)
            continue
        details = [*verdict.messages, *explain_change(latest, spec.schema_text)]
        refusals.append(
            f"subject {spec.subject}: local schema is not {COMPATIBILITY} compatible "
            f"with its latest version ({'; '.join(details) or 'no detail given'})"
        )
    if refusals:
        raise IncompatibleSchemaError("refused, nothing registered: " + " | ".join(refusals))
    for spec in to_register:
        schema_id = api.register(spec.subject, spec.schema_text)
        report.registered.append((spec.subject, schema_id))
        _log.info("subject %s: registered schema id %d", spec.subject, schema_id)
        _ensure_compatibility(api, spec.subject, report)
    return report
