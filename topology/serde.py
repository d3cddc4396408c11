"""Records to and from Kafka message values: Confluent wire format, Avro, schema registry.

Wire format (Confluent's): byte 0 is the magic byte 0, bytes 1 to 4 the schema id (big-endian),
the rest the Avro binary body. Subjects follow TopicRecordNameStrategy,
`<topic>-nl.openweb.data.<Record>`, so one topic carries several record types and a reader
picks the record class from the writer schema's full name.

Apps never register schemas (the synchronizer does, at the stack's start; this is
`auto.register.schemas` off): the first `serialize` of a record type on a topic *looks up*
the id of the local `.avsc` under its subject and fails with `SchemaNotRegisteredError` when the
subject or that exact schema is missing. The writer is always the local schema, never the
subject's latest version (that would write our dicts with someone else's schema).

Hot path: after the first message of each (topic, record type) and each schema id, nothing
here touches the registry or parses JSON. Records made of the field types ours use (long,
string, the 16-byte `Uuid`, the `Atype` enum) are written and, when the writer schema is the
local one, read by a plain codec (`_write_plain`, `_read_plain`): straight between the
record's fields and the bytes, without fastavro's intermediate dict. Measured per record
(timeit, both paths in one process): reading a ConfirmMoneyTransfer 6.1 µs instead of 8.5
(the largest part of the handler's decode), writing a BalanceChanged 3.4 instead of 3.8, a
MoneyTransferConfirmed 1.4 instead of 2.7. Anything irregular (a truncated body, bad UTF-8,
a varint beyond 64 bits, trailing bytes; a value not of its field's exact type, a long out
of range) makes the plain codec step aside and fastavro does the work, so every refusal
keeps fastavro's exact reason; hypothesis properties hold the two equal on arbitrary records
and bytes. Other readers use fastavro with pre-parsed schemas; the id lookups and
writer-schema fetches go through `confluent_kafka.schema_registry.SchemaRegistryClient`. The
library's `AvroDeserializer` is not used per message: it runs the data-contract rule
machinery and re-expands the schema on every call (about 3x slower, see docs/topology.md),
and it does not tell which writer schema it used, which is what picks the record class here.
The serializer side is written the same way so that both halves share one registry lookup
and one error vocabulary.

Memory: `confluent_kafka.schema_registry` is imported only when the registry must be asked
(a subject or schema id not known yet), never at import time. It pulls in httpx, authlib and
`cryptography` for OAuth we never use: ~17-18 MiB of resident memory plus ~6 MiB of library
pages, kept for as long as the process runs. A small service (the command handler) resolves
its subjects' ids at start in a short-lived child (`resolve_schema_ids`) and builds its
serde with `RecordSerde.from_config(config, known_schema_ids=...)`: records written with
the local schemas then never load the client; any other id still asks the registry, which
stays the source of truth for ids.
"""

from __future__ import annotations

import dataclasses
import io
import json
import operator
import struct
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from topology.records import NAMESPACE, Atype, Record, record_type_by_full_name
from topology.schemas import parsed_schema, plain_schema, schema_text
from topology.topics import Topic

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

__all__ = [
    "MAGIC_BYTE",
    "RecordNotCarriedError",
    "RecordSerde",
    "RegistryUnavailableError",
    "SchemaNotRegisteredError",
    "SerdeError",
    "UndecodableRecord",
    "resolve_schema_ids",
]

MAGIC_BYTE: Final = 0
_HEADER: Final = struct.Struct(">bI")  # magic byte, schema id
_NOT_FOUND: Final = 404

# What fastavro raises on a malformed body: truncated (EOFError), bad UTF-8
# (UnicodeDecodeError, a ValueError), an enum or union index out of range (IndexError),
# a fixed or string of impossible length (ValueError, MemoryError for absurd lengths),
# and a writer schema the reader cannot resolve (fastavro's SchemaResolutionError, added
# where fastavro is imported: `deserialize`).
_BODY_ERRORS: Final[tuple[type[Exception], ...]] = (
    EOFError,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    OverflowError,
    MemoryError,
)


def _fastavro() -> Any:
    """fastavro, imported on first need: the plain codec reads and writes every record of the
    local schemas without it, so a process that sees nothing irregular never loads it
    (~1.7 MiB of resident memory; see `topology.schemas`)."""
    import fastavro
    import fastavro.read
    import fastavro.schema

    return fastavro


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


_PlainPlan = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Writer:
    header: bytes
    # The field kinds and a getter of the field values when `_write_plain` can write them.
    plain_plan: _PlainPlan | None = None
    fields: Callable[[Record], tuple[Any, ...]] | None = None


# Field kinds of the plain decoder (see `_plain_plan`).
_LONG: Final = 0
_STRING: Final = 1
_UUID: Final = 2
_ATYPE: Final = 3
_UUID_SIZE: Final = 16
_ATYPE_MEMBERS: Final = tuple(Atype)
_LONG_LIMIT: Final = 1 << 64  # a varint at or above this is wrapped by fastavro: leave it to it
_LONG_MIN: Final = -(1 << 63)
_LONG_MAX: Final = (1 << 63) - 1
_ATYPE_INDEX: Final = {member: index for index, member in enumerate(_ATYPE_MEMBERS)}
# The one-byte varints (0-127), prebuilt: most lengths, enum indexes and small longs.
_ONE_BYTE: Final = tuple(bytes((value,)) for value in range(0x80))


@dataclass(frozen=True, slots=True)
class _Reader:
    record_type: type[Record]
    # None for the local schema (fastavro's parse of it is made on first need).
    writer_schema: dict[str, Any] | None
    # None when the writer schema is the local one: fastavro then skips schema resolution.
    reader_schema: dict[str, Any] | None
    # The field kinds when `_read_plain` can read this writer's records (local schema only).
    plain_plan: _PlainPlan | None = None


class RecordSerde:
    """Serializes and deserializes open-bank records for one registry.

    Thread-safe for concurrent use (its caches only ever gain entries). One instance per
    process is enough. It does not own a `registry` it is given: whoever made the client
    closes it; a client it made itself (`from_config`) is closed by `close`.
    """

    def __init__(
        self,
        registry: SchemaRegistryClient | None = None,
        *,
        registry_config: Mapping[str, Any] | None = None,
        known_schema_ids: Mapping[str, int] | None = None,
    ) -> None:
        if (registry is None) == (registry_config is None):
            raise ValueError("give either a registry client or a registry configuration")
        self._registry = registry
        self._registry_config = dict(registry_config or {})
        self._owns_registry = registry is None
        self._registry_lock = threading.Lock()
        self._writers: dict[tuple[str, type[Record]], _Writer] = {}
        self._readers: dict[int, _Reader] = {}
        # subject -> id of the local schema under it (what `lookup_schema` answered).
        self._local_ids: dict[str, int] = dict(known_schema_ids or {})

    @classmethod
    def from_config(
        cls,
        registry_config: Mapping[str, Any],
        *,
        known_schema_ids: Mapping[str, int] | None = None,
    ) -> RecordSerde:
        """A serde that creates its registry client (and imports the library) only when it
        first has to ask: `known_schema_ids` (subject -> id of the local schema, from
        `resolve_schema_ids`) are used without asking."""
        return cls(registry_config=registry_config, known_schema_ids=known_schema_ids)

    def known_schema_ids(self) -> dict[str, int]:
        """Subject -> id of the local schema under it, for every subject resolved so far."""
        return dict(self._local_ids)

    def close(self) -> None:
        """Close the registry client if this serde created it (idempotent)."""
        with self._registry_lock:
            registry, owned = self._registry, self._owns_registry
            if owned:
                self._registry = None
        if owned and registry is not None:
            registry.close()

    def _client(self) -> SchemaRegistryClient:
        with self._registry_lock:
            if self._registry is None:
                from confluent_kafka.schema_registry import (
                    SchemaRegistryClient,
                )  # lazy: see the module's docstring

                self._registry = SchemaRegistryClient(dict(self._registry_config))
            return self._registry

    def serialize(self, topic: Topic, record: Record) -> bytes:
        """The message value of `record` on `topic`, in the Confluent wire format."""
        record_type = type(record)
        writer = self._writers.get((topic.name, record_type))
        if writer is None:
            writer = self._writer_for(topic, record_type)
        if writer.plain_plan is not None and writer.fields is not None:
            plain = _write_plain(writer.header, writer.plain_plan, writer.fields(record))
            if plain is not None:
                return plain
        buffer = io.BytesIO()
        buffer.write(writer.header)
        _fastavro().schemaless_writer(buffer, parsed_schema(record_type), record.to_avro())
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
        if reader.plain_plan is not None:
            plain = _read_plain(data, reader.plain_plan, reader.record_type)
            if plain is not None:
                return plain
        body = io.BytesIO(data)
        body.seek(_HEADER.size)
        fastavro = _fastavro()
        writer_schema = reader.writer_schema or parsed_schema(reader.record_type)
        body_errors = (*_BODY_ERRORS, fastavro.read.SchemaResolutionError)
        try:
            value = fastavro.schemaless_reader(body, writer_schema, reader.reader_schema)
            if not isinstance(value, dict):
                raise TypeError(f"decoded a {type(value).__name__}, not a record")
            record = reader.record_type.from_avro(value)
        except body_errors as exc:
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

    def _writer_for(self, topic: Topic, record_type: type[Record]) -> _Writer:
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
        plan = _plain_plan(record_type, plain_schema(record_type))
        writer = _Writer(
            header=_HEADER.pack(MAGIC_BYTE, schema_id),
            plain_plan=plan,
            fields=None if plan is None else _field_getter(record_type),
        )
        self._writers[(topic.name, record_type)] = writer
        return writer

    def _look_up(self, subject: str, record_type: type[Record]) -> int:
        """The id of the local schema of `record_type` under `subject`, asked of the registry."""
        # Lazy (see the module's docstring). The registry client's HTTP library (httpx2 or
        # httpx, whichever it found): its transport errors (connection refused, time-out)
        # are what an unreachable registry raises.
        from confluent_kafka.schema_registry import Schema
        from confluent_kafka.schema_registry.common._httpx_compat import (
            httpx as registry_http,
        )
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        try:
            registered = self._client().lookup_schema(
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
                return _Reader(
                    record_type=record_type,
                    writer_schema=None,
                    reader_schema=None,
                    plain_plan=_plain_plan(record_type, plain_schema(record_type)),
                )
        return None

    def _reader_for(self, schema_id: int) -> _Reader:
        known = self._local_reader(schema_id)
        if known is not None:
            self._readers[schema_id] = known
            return known
        from confluent_kafka.schema_registry.common._httpx_compat import (
            httpx as registry_http,
        )
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        try:
            schema = self._client().get_schema(schema_id)
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
        fastavro = _fastavro()
        try:
            writer_schema = fastavro.parse_schema(json.loads(schema.schema_str or ""))
        except (
            ValueError,
            TypeError,
            KeyError,
            fastavro.schema.SchemaParseException,
            fastavro.schema.UnknownType,
        ) as exc:
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
        canonical = fastavro.schema.to_parsing_canonical_form
        same = canonical(writer_schema) == canonical(local)
        reader = _Reader(
            record_type=record_type,
            writer_schema=writer_schema,
            reader_schema=None if same else local,
            plain_plan=_plain_plan(record_type, local) if same else None,
        )
        self._readers[schema_id] = reader
        return reader


def _plain_plan(record_type: type[Record], schema: Mapping[str, Any]) -> _PlainPlan | None:
    """The field kinds of `schema` in order, when `_read_plain` can read it into
    `record_type` positionally: every field a long, a string, the `Uuid` fixed or the `Atype`
    enum, and the class's fields in the same order (Avro `from` is the class's `from_`).
    None otherwise (fastavro reads it)."""
    fields = schema.get("fields")
    if not isinstance(fields, list):
        return None
    names = [f.name for f in dataclasses.fields(record_type)]
    if [f.get("name") for f in fields] != [n.removesuffix("_") for n in names]:
        return None
    kinds: list[int] = []
    for field in fields:
        kind = _plain_kind(field.get("type"))
        if kind is None:
            return None
        kinds.append(kind)
    return tuple(kinds)


def _plain_kind(avro_type: object) -> int | None:
    if avro_type == "long":
        return _LONG
    if avro_type == "string":
        return _STRING
    if not isinstance(avro_type, Mapping):
        return None
    name = avro_type.get("name")
    if avro_type.get("type") == "fixed" and avro_type.get("size") == _UUID_SIZE:
        return _UUID if name == f"{NAMESPACE}.Uuid" else None
    symbols = [member.value for member in _ATYPE_MEMBERS]
    if avro_type.get("type") == "enum" and avro_type.get("symbols") == symbols:
        return _ATYPE if name == f"{NAMESPACE}.Atype" else None
    return None


def _field_getter(record_type: type[Record]) -> Callable[[Record], tuple[Any, ...]]:
    """The record's field values as a tuple, in declaration order (one C call)."""
    names = [f.name for f in dataclasses.fields(record_type)]
    if len(names) == 1:
        name = names[0]
        return lambda record: (getattr(record, name),)
    getter: Callable[[Record], tuple[Any, ...]] = operator.attrgetter(*names)
    return getter


def _varint(value: int) -> bytes:
    """Avro's variable-length encoding of a non-negative int (already zigzagged)."""
    if value < 0x80:
        return _ONE_BYTE[value]
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _write_plain(header: bytes, plan: _PlainPlan, values: tuple[Any, ...]) -> bytes | None:
    """The message value of a record's field `values`, or None for anything fastavro should
    handle itself (a value not of the field's exact type, a long out of range, a string
    UTF-8 cannot encode): it then writes, or raises, as it always did."""
    parts = [header]
    for kind, value in zip(plan, values, strict=True):
        kind_of_value = type(value)
        if kind == _STRING and kind_of_value is str:
            try:
                encoded = value.encode("utf-8")
            except UnicodeEncodeError:
                return None
            parts.append(_varint(len(encoded) << 1))
            parts.append(encoded)
        elif kind == _LONG and kind_of_value is int and _LONG_MIN <= value <= _LONG_MAX:
            parts.append(_varint((value << 1) ^ (value >> 63)))
        elif kind == _UUID and kind_of_value is uuid.UUID:
            parts.append(value.bytes)
        elif kind == _ATYPE and kind_of_value is Atype:
            parts.append(_ONE_BYTE[_ATYPE_INDEX[value] << 1])
        else:
            return None
    return b"".join(parts)


def _read_plain(data: bytes, plan: _PlainPlan, record_type: type[Record]) -> Record | None:
    """The record in `data` (header included) read field by field, or None for anything
    irregular, which fastavro then reads (or refuses with its precise reason).

    Avro binary: a long is a zigzag varint; a string a long byte count then UTF-8; the
    fixed `Uuid` its 16 bytes; the enum a long index into its symbols.
    """
    end = len(data)
    position = _HEADER.size
    values: list[object] = []
    try:
        for kind in plan:
            if kind == _UUID:
                start, position = position, position + _UUID_SIZE
                if position > end:
                    return None
                values.append(uuid.UUID(bytes=data[start:position]))
                continue
            byte = data[position]
            position += 1
            number = byte & 0x7F
            shift = 7
            while byte & 0x80:
                if shift > 63:  # more than 10 bytes: fastavro's 64-bit wrap decides
                    return None
                byte = data[position]
                position += 1
                number |= (byte & 0x7F) << shift
                shift += 7
            if number >= _LONG_LIMIT:
                return None
            number = (number >> 1) ^ -(number & 1)
            if kind == _LONG:
                values.append(number)
            elif kind == _STRING:
                start, position = position, position + number
                if number < 0 or position > end:
                    return None
                values.append(data[start:position].decode("utf-8"))
            elif 0 <= number < len(_ATYPE_MEMBERS):
                values.append(_ATYPE_MEMBERS[number])
            else:
                return None
    except (IndexError, UnicodeDecodeError):
        return None
    if position != end:
        return None
    # Positional: `_plain_plan` checked that the class's fields follow the schema's.
    build: Any = record_type
    record: Record = build(*values)
    return record


def resolve_schema_ids(
    registry: SchemaRegistryClient, uses: Iterable[tuple[Topic, type[Record]]]
) -> dict[str, int]:
    """Subject -> id of the local schema under it, for each (topic, record type) in `uses`:
    what a `RecordSerde.from_config(..., known_schema_ids=...)` needs to never load the
    registry client for these records. Raises as `serialize` would (`SchemaNotRegisteredError`,
    `RegistryUnavailableError`, `RecordNotCarriedError`)."""
    serde = RecordSerde(registry)
    for topic, record_type in uses:
        serde._writer_for(topic, record_type)
    return serde.known_schema_ids()
