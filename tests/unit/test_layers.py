"""The dependency rule of docs/architecture.md, read from the imports of every product module:
apps stand on `topology`, never on each other; each outside client has one owner."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = ("synchronizer", "command_handler", "backend", "load")
PRODUCT = (*APPS, "topology")


def _imports(package: str) -> dict[str, set[str]]:
    """Module path → the top-level-qualified names it imports (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(REPO))] = names
    return found


@pytest.mark.parametrize("package", PRODUCT)
def test_a_product_package_imports_no_other_app_and_no_tool(package: str) -> None:
    forbidden = {p for p in (*APPS, "bench", "tests", "stack") if p != package}
    for module, names in _imports(package).items():
        wrong = {n for n in names if n.split(".")[0] in forbidden}
        assert not wrong, f"{module} imports {sorted(wrong)}"


@pytest.mark.parametrize(
    ("client", "owner"),
    [
        ("confluent_kafka", "command_handler/kafka/"),
        ("psycopg", "command_handler/storage/postgres.py"),
    ],
)
def test_the_handler_has_one_owner_per_outside_client(client: str, owner: str) -> None:
    for module, names in _imports("command_handler").items():
        if any(n == client or n.startswith(f"{client}.") for n in names):
            assert module.startswith(owner), f"{module} imports {client}"


def test_the_handler_domain_does_no_io() -> None:
    io = {"confluent_kafka", "psycopg", "sqlalchemy", "httpx", "socket", "time", "random"}
    for module, names in _imports("command_handler").items():
        if module.startswith("command_handler/domain/"):
            assert not {n.split(".")[0] for n in names} & io, module
