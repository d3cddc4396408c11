"""The Avro schemas of open-bank's records, one `.avsc` file per record in this folder.

The `.avsc` files are the single written copy of every schema: the synchronizer registers
their text, the serde parses them once (cached) as reader and writer schemas. Each file is
self-contained (it declares `Uuid` and `Atype` inline) so the registry needs no schema
references and every subject can evolve on its own.

fastavro is imported only when a schema is first parsed with it (`parsed_schema`), not at
import: ~1.7 MiB of resident memory (its modules and compiled extensions) that a process
writing and reading only through the serde's plain codec never needs. `plain_schema` gives
the same structure without fastavro (names qualified with their namespace, as fastavro
parses them), which is all the plain codec reads.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from topology.records import Record

__all__ = ["parsed_schema", "plain_schema", "schema_text"]


def schema_text(record_type: type[Record]) -> str:
    """The `.avsc` text of a record, exactly as registered in the schema registry."""
    return _schema_text_by_name(record_type.AVRO_NAME)


def parsed_schema(record_type: type[Record]) -> dict[str, Any]:
    """The fastavro-parsed schema of a record (parsed once: parsing costs ~100 µs)."""
    return _parsed_schema_by_name(record_type.AVRO_NAME)


def plain_schema(record_type: type[Record]) -> dict[str, Any]:
    """The record's schema as JSON values, every named type's `name` qualified with its
    namespace (`nl.openweb.data.Uuid`) as in `parsed_schema`, without importing fastavro.
    Read it, never change it (it is cached)."""
    return _plain_schema_by_name(record_type.AVRO_NAME)


@functools.cache
def _schema_text_by_name(avro_name: str) -> str:
    resource = resources.files(__package__).joinpath(f"{avro_name}.avsc")
    return resource.read_text(encoding="utf-8")


@functools.cache
def _parsed_schema_by_name(avro_name: str) -> dict[str, Any]:
    import fastavro  # lazy: see the module's docstring

    parsed = fastavro.parse_schema(json.loads(_schema_text_by_name(avro_name)))
    if not isinstance(parsed, dict):  # every .avsc here is a record schema
        raise TypeError(f"{avro_name}.avsc is not an Avro record schema")
    return parsed


@functools.cache
def _plain_schema_by_name(avro_name: str) -> dict[str, Any]:
    schema = json.loads(_schema_text_by_name(avro_name))
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise TypeError(f"{avro_name}.avsc is not an Avro record schema")
    qualified = _qualified(schema, "")
    if not isinstance(qualified, dict):  # a record stays a record
        raise TypeError(f"{avro_name}.avsc is not an Avro record schema")
    return qualified


def _qualified(avro_type: object, namespace: str) -> object:
    """`avro_type` with the names of named types (record, enum, fixed) qualified by the
    namespace in effect, Avro's rule: a name with a dot is already full; otherwise the
    type's own `namespace`, else the enclosing one."""
    if isinstance(avro_type, list):
        return [_qualified(member, namespace) for member in avro_type]
    if not isinstance(avro_type, Mapping):
        return avro_type
    result = dict(avro_type)
    name = result.get("name")
    if result.get("type") in ("record", "enum", "fixed") and isinstance(name, str):
        if "." not in name:
            own = result.get("namespace", namespace)
            name = f"{own}.{name}" if own else name
        result["name"] = name
        result.pop("namespace", None)
        namespace = name.rpartition(".")[0]
    if isinstance(result.get("fields"), list):
        result["fields"] = [
            {**field, "type": _qualified(field.get("type"), namespace)}
            for field in result["fields"]
        ]
    if "items" in result:
        result["items"] = _qualified(result["items"], namespace)
    if "values" in result:
        result["values"] = _qualified(result["values"], namespace)
    return result
