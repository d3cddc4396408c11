"""Records to and from Kafka message values: Confluent wire format, Avro, schema registry.

Wire format (Confluent's): byte 0 is the magic byte 0, bytes 1 to 4 the schema id (big-endian),
the rest the Avro binary body. Subjects follow TopicRecordNameStrategy,
`<topic>-nl.openweb.data.<Record>`, so one topic carries several record types and a reader
picks the record class from the writer schema's full name.

Apps never register schemas (the synchronizer does): the first `serialize` of a record type
on a topic *looks up* the id of the local `.avsc` under its subject, never the subject's
latest version, and fails with `SchemaNotRegisteredError` when that exact schema is missing.

Bodies are fastavro's `schemaless_writer` / `schemaless_reader` with pre-parsed schemas, and
once each (topic, record type) and schema id has been seen, nothing here asks the registry.
The library's `AvroDeserializer` does not say which writer schema it used, which is what
picks the record class here; both halves share one registry lookup and one error vocabulary.
"""

from __future__ import annotations

import io
import json
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import fastavro
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

# The registry client's HTTP library: its transport errors (connection refused, time-out)
# are what an unreachable registry raises.
from confluent_kafka.schema_registry.common._httpx_compat import httpx as registry_http
from confluent_kafka.schema_registry.error import SchemaRegistryError
from fastavro.read import SchemaResolutionError
from fastavro.schema import SchemaParseException, UnknownType, to_parsing_canonical_form

from topology.records import Record, record_type_by_full_name
from topology.schemas import parsed_schema, schema_text
from topology.topics import Topic

__all__ = [
    "MAGIC_BYTE",
    "RecordNotCarriedError",
    "RecordSerde",
    "RegistryUnavailableError",
    "SchemaNotRegisteredError",
    "SerdeError",
    "UndecodableRecord",
    "schema_id_of",
]

MAGIC_BYTE: Final = 0
_HEADER: Final = struct.Struct(">bI")  # magic byte, schema id
_NOT_FOUND: Final = 404

# What fastavro raises on a malformed body: truncated (EOFError), bad UTF-8
# (UnicodeDecodeError, a ValueError), an enum or union index out of range (IndexError),
# a fixed or string of impossible length (ValueError, MemoryError for absurd lengths),
# and a writer schema the reader cannot resolve (SchemaResolutionError).
_BODY_ERRORS: Final[tuple[type[Exception], ...]] = (
    *(EOFError, ValueError, IndexError, KeyError, TypeError, OverflowError, MemoryError),
    SchemaResolutionError,
)


def schema_id_of(data: bytes) -> int:
    """The registry schema id in the Confluent header of message value `data`.

    Raises `UndecodableRecord` when `data` is too short or not in the wire format.
    """
    if len(data) < _HEADER.size:
        raise UndecodableRecord(f"value of {len(data)} bytes has no Confluent header")
    magic, schema_id = _HEADER.unpack_from(data)
    if magic != MAGIC_BYTE:
        raise UndecodableRecord(f"magic byte is {magic & 0xFF}, expected {MAGIC_BYTE}")
    return int(schema_id)


class SerdeError(Exception):
    """Root of every error raised by the serde."""


class UndecodableRecord(SerdeError):  # noqa: N818 -- name fixed by docs/architecture.md
    """A message value that is not a record this topic carries; `reason` says precisely why.

    The message itself is bad (not the infrastructure): park it on the dead-letter topic.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SchemaNotRegisteredError(SerdeError):
    """The local schema of a record type is not registered under its subject: the
    synchronizer has not run, or the registry holds other schemas. Stop; do not retry."""


class RecordNotCarriedError(SerdeError):
    """A record was given to serialize for a topic that does not carry its type (a bug)."""


class RegistryUnavailableError(SerdeError):
    """The schema registry could not be reached or answered with an error: an
    infrastructure failure, not a bad message."""


@dataclass(frozen=True, slots=True)
class _Reader:
    record_type: type[Record]
    writer_schema: dict[str, Any]
    # None when the writer schema is the local one: fastavro then skips schema resolution.
    reader_schema: dict[str, Any] | None


class RecordSerde:
    """Serializes and deserializes open-bank records for one registry.

    Thread-safe for concurrent use (its caches only ever gain entries). One instance per
    process is enough. It does not own a `registry` it is given: whoever made the client
    closes it; a client it made from `registry_config` (`from_config`) is closed by `close`.
    """

    def __init__(
        self,
        registry: SchemaRegistryClient | None = None,
        *,
        registry_config: Mapping[str, Any] | None = None,
    ) -> None:
        if (registry is None) == (registry_config is None):
            raise ValueError("give either a registry client or a registry configuration")
        self._owns_registry = registry is None
        if registry is None:
            registry = SchemaRegistryClient(dict(registry_config or {}))
        self._registry = registry
        self._close_lock = threading.Lock()
        self._headers: dict[tuple[str, type[Record]], bytes] = {}
        self._readers: dict[int, _Reader] = {}
        # subject -> id of the local schema under it (what `lookup_schema` answered).
        self._local_ids: dict[str, int] = {}

    @classmethod
    def from_config(cls, registry_config: Mapping[str, Any]) -> RecordSerde:
        """A serde with its own registry client, made from `registry_config` (see
        `topology.clients.registry_config`); `close` closes it."""
        return cls(registry_config=registry_config)

    def close(self) -> None:
        """Close the registry client if this serde created it (idempotent)."""
        with self._close_lock:
            owned, self._owns_registry = self._owns_registry, False
        if owned:
            self._registry.close()

    def serialize(self, topic: Topic, record: Record) -> bytes:
        """The message value of `record` on `topic`, in the Confluent wire format."""
        record_type = type(record)
        header = self._headers.get((topic.name, record_type))
        if header is None:
            header = self._header_for(topic, record_type)
        buffer = io.BytesIO()
        buffer.write(header)
        fastavro.schemaless_writer(buffer, parsed_schema(record_type), record.to_avro())
        return buffer.getvalue()

    def deserialize(self, topic: Topic, data: bytes) -> Record:
        """The record in message value `data` read from `topic`.

        Raises `UndecodableRecord` for anything wrong with the bytes (framing, schema id,
        a record type the topic does not carry, body) and `RegistryUnavailableError` when the
        registry cannot be asked about a new schema id.
        """
        if len(data) < _HEADER.size:
            raise UndecodableRecord(
                f"value of {len(data)} bytes is shorter than the {_HEADER.size}-byte "
                "Confluent header (magic byte + schema id)"
            )
        magic, schema_id = _HEADER.unpack_from(data)
        if magic != MAGIC_BYTE:
            raise UndecodableRecord(
                f"magic byte is {magic & 0xFF}, expected {MAGIC_BYTE} (not Confluent wire format)"
            )
        reader = self._readers.get(schema_id)
        if reader is None:
            reader = self._reader_for(schema_id)
        if not topic.carries(reader.record_type):
            raise UndecodableRecord(
                f"schema id {schema_id} writes {reader.record_type.AVRO_NAME}, "
                f"which topic {topic.name} does not carry"
            )
        body = io.BytesIO(data)
        body.seek(_HEADER.size)
        try:
            value = fastavro.schemaless_reader(body, reader.writer_schema, reader.reader_schema)
            if not isinstance(value, dict):
                raise TypeError(f"decoded a {type(value).__name__}, not a record")
            record = reader.record_type.from_avro(value)
        except _BODY_ERRORS as exc:
            raise UndecodableRecord(
                f"Avro body of {reader.record_type.AVRO_NAME} (schema id {schema_id}) "
                f"is malformed: {type(exc).__name__}: {exc}"
            ) from exc
        trailing = len(data) - body.tell()
        if trailing:
            raise UndecodableRecord(
                f"{trailing} bytes left after the Avro body of "
                f"{reader.record_type.AVRO_NAME} (schema id {schema_id})"
            )
        return record

    def _header_for(self, topic: Topic, record_type: type[Record]) -> bytes:
        if not topic.carries(record_type):
            raise RecordNotCarriedError(
                f"topic {topic.name} does not carry {record_type.AVRO_NAME}; it carries "
                + ", ".join(t.AVRO_NAME for t in topic.record_types)
            )
        subject = topic.subject(record_type)
        schema_id = self._local_ids.get(subject)
        if schema_id is None:
            schema_id = self._look_up(subject, record_type)
            self._local_ids[subject] = schema_id
        header = _HEADER.pack(MAGIC_BYTE, schema_id)
        self._headers[(topic.name, record_type)] = header
        return header

    def _look_up(self, subject: str, record_type: type[Record]) -> int:
        """The id of the local schema of `record_type` under `subject`, asked of the registry."""
        try:
            registered = self._registry.lookup_schema(
                subject, Schema(schema_text(record_type), "AVRO")
            )
        except SchemaRegistryError as exc:
            if exc.http_status_code == _NOT_FOUND:
                raise SchemaNotRegisteredError(
                    f"subject {subject} does not hold the local {record_type.AVRO_NAME} schema "
                    f"({exc.error_message}); run the synchronizer (python -m synchronizer)"
                ) from exc
            raise RegistryUnavailableError(f"looking up subject {subject}: {exc}") from exc
        except registry_http.TransportError as exc:
            raise RegistryUnavailableError(f"looking up subject {subject}: {exc}") from exc
        schema_id = registered.schema_id
        if schema_id is None:
            raise RegistryUnavailableError(f"registry gave no schema id for subject {subject}")
        return schema_id

    def _local_reader(self, schema_id: int) -> _Reader | None:
        """The reader of a known id of a local schema (no registry call), if it is one."""
        for subject, known_id in self._local_ids.items():
            if known_id != schema_id:
                continue
            # TopicRecordNameStrategy: the subject ends with the record's full name.
            record_type = record_type_by_full_name(subject.rpartition("-")[2])
            if record_type is not None:
                return _Reader(record_type, parsed_schema(record_type), reader_schema=None)
        return None

    def _reader_for(self, schema_id: int) -> _Reader:
        reader = self._local_reader(schema_id) or self._foreign_reader(schema_id)
        self._readers[schema_id] = reader
        return reader

    def _foreign_reader(self, schema_id: int) -> _Reader:
        """The reader of a writer schema fetched from the registry by its id."""
        try:
            schema = self._registry.get_schema(schema_id)
        except SchemaRegistryError as exc:
            if exc.http_status_code == _NOT_FOUND:
                raise UndecodableRecord(
                    f"schema id {schema_id} is unknown to the registry"
                ) from exc
            raise RegistryUnavailableError(f"fetching schema id {schema_id}: {exc}") from exc
        except registry_http.TransportError as exc:
            raise RegistryUnavailableError(f"fetching schema id {schema_id}: {exc}") from exc
        if schema.schema_type not in (None, "AVRO"):
            raise UndecodableRecord(
                f"schema id {schema_id} is a {schema.schema_type} schema, not Avro"
            )
        try:
            writer_schema = fastavro.parse_schema(json.loads(schema.schema_str or ""))
        except (ValueError, TypeError, KeyError, SchemaParseException, UnknownType) as exc:
            raise UndecodableRecord(
                f"schema id {schema_id} is not a valid Avro schema: {exc}"
            ) from exc
        if not isinstance(writer_schema, dict) or writer_schema.get("type") != "record":
            raise UndecodableRecord(f"schema id {schema_id} is not an Avro record schema")
        name = writer_schema.get("name")
        record_type = record_type_by_full_name(name) if isinstance(name, str) else None
        if record_type is None:
            raise UndecodableRecord(
                f"schema id {schema_id} writes {name}, which is no open-bank record"
            )
        local = parsed_schema(record_type)
        # Same canonical form (docs, whitespace and attribute order aside): read with the
        # writer schema alone, which fastavro does about twice as fast as resolving.
        same = to_parsing_canonical_form(writer_schema) == to_parsing_canonical_form(local)
        return _Reader(record_type, writer_schema, reader_schema=None if same else local)
