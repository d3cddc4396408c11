"""GraphiQL's page and assets are served from here: no address outside the machine.

The page and start script are files in the tree; the npm assets are faked in a temporary
folder (the real ones are checked in the e2e test, in a browser).
"""

import re
import shutil
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from backend.api.graphiql import ASSET_PREFIX, IDE_DIR, GraphiQLAssets

NPM_FILES = {
    "node_modules/react/umd/react.production.min.js": "window.React = {};",
    "node_modules/react-dom/umd/react-dom.production.min.js": "window.ReactDOM = {};",
    "node_modules/graphiql/graphiql.min.js": "window.GraphiQL = {};",
    "node_modules/graphiql/graphiql.min.css": ".graphiql-container {}",
    "node_modules/@graphiql/plugin-explorer/dist/index.umd.js": "window.X = {};",
    "node_modules/@graphiql/plugin-explorer/dist/style.css": ".x {}",
}


def ide_copy(root: Path, *, with_npm_files: bool) -> Path:
    """The tree's page and start files, plus fake npm assets if asked."""
    ide = root / "ide"
    ide.mkdir()
    for name in ("graphiql.html", "graphiql-start.js", "graphiql-page.css"):
        shutil.copy(IDE_DIR / name, ide / name)
    if with_npm_files:
        for path, text in NPM_FILES.items():
            (ide / path).parent.mkdir(parents=True, exist_ok=True)
            (ide / path).write_text(text)
    return ide


def client_for(assets: GraphiQLAssets) -> TestClient:
    app = Starlette(routes=[assets.route()])
    return TestClient(app, base_url="http://127.0.0.1")


def test_the_page_names_only_assets_of_this_server(tmp_path: Path) -> None:
    page = GraphiQLAssets(ide_copy(tmp_path, with_npm_files=True)).page()
    html = bytes(page.body).decode()
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert page.status_code == 200
    assert len(sources) == 9  # five scripts, three style sheets, the empty icon
    assert all(source.startswith(ASSET_PREFIX) or source == "data:," for source in sources)
    assert "<script>" not in html  # no inline script: the CSP needs no 'unsafe-inline'


def test_every_named_asset_is_served_with_its_type(tmp_path: Path) -> None:
    assets = GraphiQLAssets(ide_copy(tmp_path, with_npm_files=True))
    html = bytes(assets.page().body).decode()
    names = [s.removeprefix(ASSET_PREFIX) for s in re.findall(r'(?:src|href)="(/[^"]*)"', html)]
    with client_for(assets) as client:
        answers = {name: client.get(ASSET_PREFIX + name) for name in names}
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(names, 200)
    for name, answer in answers.items():
        kind = "javascript" if name.endswith(".js") else "css"
        assert answer.headers["content-type"] == f"text/{kind}; charset=utf-8"
    assert "GraphiQL.createFetcher" in answers["graphiql-start.js"].text


@pytest.mark.parametrize("name", ["../graphiql.html", "package.json", "build.sh", "x.js"])
def test_other_names_are_not_served(tmp_path: Path, name: str) -> None:
    with client_for(GraphiQLAssets(ide_copy(tmp_path, with_npm_files=True))) as client:
        assert client.get(ASSET_PREFIX + name).status_code == 404


def test_missing_assets_give_a_page_saying_how_to_fix_it(tmp_path: Path) -> None:
    assets = GraphiQLAssets(ide_copy(tmp_path, with_npm_files=False))
    page = assets.page()
    with client_for(assets) as client:
        script = client.get(ASSET_PREFIX + "graphiql.min.js")
    assert len(assets.missing()) == len(NPM_FILES)
    assert page.status_code == 503
    assert "backend/ide/build.sh" in bytes(page.body).decode()
    assert script.status_code == 503
