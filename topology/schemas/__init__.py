"""The Avro schemas of open-bank's records, one `.avsc` file per record in this folder.

The `.avsc` files are the single written copy of every schema: the synchronizer registers
their text, the serde parses them once (cached) as reader and writer schemas. Each file is
self-contained (it declares `Uuid` and `Atype` inline) so the registry needs no schema
references and every subject can evolve on its own.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import fastavro

from topology.records import Record

__all__ = ["parsed_schema", "schema_text"]


def schema_text(record_type: type[Record]) -> str:
    """The `.avsc` text of a record, exactly as registered in the schema registry."""
    return _schema_text_by_name(record_type.AVRO_NAME)


def parsed_schema(record_type: type[Record]) -> dict[str, Any]:
    """The fastavro-parsed schema of a record (parsed once: parsing costs ~100 µs)."""
    return _parsed_schema_by_name(record_type.AVRO_NAME)


@functools.cache
def _schema_text_by_name(avro_name: str) -> str:
    resource = resources.files(__package__).joinpath(f"{avro_name}.avsc")
    return resource.read_text(encoding="utf-8")


@functools.cache
def _parsed_schema_by_name(avro_name: str) -> dict[str, Any]:
    parsed = fastavro.parse_schema(json.loads(_schema_text_by_name(avro_name)))
    if not isinstance(parsed, dict):  # every .avsc here is a record schema
        raise TypeError(f"{avro_name}.avsc is not an Avro record schema")
    return parsed
