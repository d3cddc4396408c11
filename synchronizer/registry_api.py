"""The few calls of the registry's Confluent-compatible REST API the synchronizer needs.

Spoken directly over HTTP (not through `SchemaRegistryClient`) because the synchronizer needs
what that client drops: the registry's verbose compatibility messages, and a clean
distinction between "no such subject" and "no such config" answers.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import httpx

from topology.settings import RegistrySettings

__all__ = ["CompatibilityResult", "RegistryApi", "RegistryApiError"]

_CONTENT_TYPE: Final = "application/vnd.schemaregistry.v1+json"
_NOT_FOUND: Final = 404


class RegistryApiError(Exception):
    """The registry answered with an unexpected HTTP status."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} answered HTTP {status}: {body[:300]}")
        self.status = status


@dataclass(frozen=True, slots=True)
class CompatibilityResult:
    """The registry's verdict on a candidate schema, with its explanation if any."""

    is_compatible: bool
    messages: tuple[str, ...]


def _subject_path(subject: str) -> str:
    return quote(subject, safe="")


class RegistryApi:
    """A thin, typed client of `/apis/ccompat/v7`. Use as a context manager."""

    def __init__(self, settings: RegistrySettings) -> None:
        verify: ssl.SSLContext | bool = True
        if settings.ssl_ca_location is not None:
            verify = ssl.create_default_context(cafile=str(settings.ssl_ca_location))
            if settings.ssl_certificate_location is not None:
                verify.load_cert_chain(
                    str(settings.ssl_certificate_location),
                    str(settings.ssl_key_location) if settings.ssl_key_location else None,
                )
        self._http = httpx.Client(
            base_url=settings.url.rstrip("/") + "/",
            timeout=settings.timeout_s,
            verify=verify,
            headers={"Accept": _CONTENT_TYPE, "Content-Type": _CONTENT_TYPE},
        )

    def __enter__(self) -> RegistryApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def subjects(self) -> list[str]:
        """Every subject in the registry."""
        found: list[str] = self._call("GET", "subjects")
        return found

    def lookup(self, subject: str, schema_text: str) -> int | None:
        """The id of `schema_text` under `subject`, or None when the subject does not hold
        it (or does not exist)."""
        answer = self._call(
            "POST",
            f"subjects/{_subject_path(subject)}",
            {"schema": schema_text, "schemaType": "AVRO"},
            missing_ok=True,
        )
        return None if answer is None else int(answer["id"])

    def latest_schema(self, subject: str) -> str | None:
        """The text of the subject's latest schema, or None when the subject does not exist."""
        answer = self._call(
            "GET", f"subjects/{_subject_path(subject)}/versions/latest", missing_ok=True
        )
        return None if answer is None else str(answer["schema"])

    def check_compatibility(self, subject: str, schema_text: str) -> CompatibilityResult:
        """Ask whether `schema_text` may follow the subject's latest version under the
        subject's compatibility level."""
        answer = self._call(
            "POST",
            f"compatibility/subjects/{_subject_path(subject)}/versions/latest?verbose=true",
            {"schema": schema_text, "schemaType": "AVRO"},
        )
        messages = answer.get("messages") or []
        return CompatibilityResult(
            is_compatible=bool(answer["is_compatible"]),
            messages=tuple(str(m) for m in messages),
        )

    def register(self, subject: str, schema_text: str) -> int:
        """Register `schema_text` under `subject`; return its id."""
        answer = self._call(
            "POST",
            f"subjects/{_subject_path(subject)}/versions",
            {"schema": schema_text, "schemaType": "AVRO"},
        )
        return int(answer["id"])

    def compatibility(self, subject: str | None = None) -> str | None:
        """The compatibility level set on `subject` (or the global one), None when none
        is set there."""
        path = "config" if subject is None else f"config/{_subject_path(subject)}"
        answer = self._call("GET", path, missing_ok=True)
        if answer is None:
            return None
        level = answer.get("compatibilityLevel") or answer.get("compatibility")
        return None if level is None else str(level)

    def set_compatibility(self, level: str, subject: str | None = None) -> None:
        """Set the compatibility level of `subject` (or the global one)."""
        path = "config" if subject is None else f"config/{_subject_path(subject)}"
        self._call("PUT", path, {"compatibility": level})

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, str] | None = None,
        *,
        missing_ok: bool = False,
    ) -> Any:
        response = self._http.request(method, path, json=body)
        if response.status_code == _NOT_FOUND and missing_ok:
            return None
        if response.is_error:
            raise RegistryApiError(method, path, response.status_code, response.text)
        return response.json()
