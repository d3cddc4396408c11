"""`python -m command_handler.schema_ids`: the registry ids of the handler's schemas, looked up
in a short-lived child.

Why a child: the registry client (`confluent_kafka.schema_registry`, with httpx, authlib and
`cryptography`) costs ~17-18 MiB of resident memory plus ~6 MiB of library pages once
imported, for as long as the process runs. The handler only ever needs the ids of its seven
local schemas; this child asks the registry for them and the long-running process builds its
serde with them (`RecordSerde.from_config(..., known_schema_ids=...)`), so it loads the client
only if a message comes with some other schema id.

stdin: one JSON object `{"registry_config": {...}, "topic_prefix": "..."}` (the registry
configuration may hold credentials: never on the command line); stdout: one JSON object,
subject -> schema id. Exit status 1 with the reason on stderr when the registry cannot tell.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from confluent_kafka.schema_registry import SchemaRegistryClient

from command_handler.topics import HandlerTopics
from topology.records import Record
from topology.serde import SerdeError, resolve_schema_ids
from topology.topics import Topic

__all__ = ["handler_schema_uses", "main"]


def handler_schema_uses(topics: HandlerTopics) -> list[tuple[Topic, type[Record]]]:
    """Every (topic, record type) the handler reads or writes (dead letters are raw bytes)."""
    return [(topic, record_type) for topic in topics.all for record_type in topic.record_types]


def main() -> int:
    """Read the request from stdin, print the ids; 1 if the registry could not give them."""
    request: dict[str, Any] = json.loads(sys.stdin.read())
    topics = HandlerTopics.with_prefix(str(request.get("topic_prefix", "")))
    try:
        with SchemaRegistryClient(dict(request["registry_config"])) as registry:
            ids = resolve_schema_ids(registry, handler_schema_uses(topics))
    except SerdeError as exc:
        print(f"schema ids not resolved: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(ids), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
