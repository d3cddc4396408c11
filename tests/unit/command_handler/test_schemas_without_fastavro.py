"""`topology.schemas` without fastavro (the handler's memory, docs/command-handler.md):
importing it loads no fastavro, and `plain_schema` is fastavro's parse of every record."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from topology.records import RECORD_TYPES, Record
from topology.schemas import parsed_schema, plain_schema


def _without_fastavro_keys(value: Any) -> Any:
    """fastavro's parse adds bookkeeping keys (`__fastavro_parsed`, `__named_schemas`)."""
    if isinstance(value, dict):
        return {k: _without_fastavro_keys(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_without_fastavro_keys(v) for v in value]
    return value


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda t: t.AVRO_NAME)
def test_plain_schema_is_fastavros_parse(record_type: type[Record]) -> None:
    assert plain_schema(record_type) == _without_fastavro_keys(parsed_schema(record_type))


def test_importing_the_schemas_and_reading_plain_ones_loads_no_fastavro() -> None:
    child = (
        "import sys\n"
        "from topology.records import RECORD_TYPES\n"
        "from topology.schemas import plain_schema, schema_text\n"
        "[(plain_schema(t), schema_text(t)) for t in RECORD_TYPES]\n"
        "print('fastavro' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
