"""GraphiQL at ``GET /graphql`` with every asset served from here, so it works offline.

strawberry's own page loads React and GraphiQL from a CDN, which a machine without
that network shows as a blank page. Ours (``backend/ide/graphiql.html``) names only
``/graphql/ide/<name>``: the npm packages ``backend/ide/build.sh`` installs (pinned by
its ``package-lock.json``) and our own start script. Only the names below are served:
the route never maps a request path onto the file system.
"""

import logging
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

__all__ = [
    "ASSET_PREFIX",
    "IDE_DIR",
    "GraphiQLAssets",
    "build_graphiql_assets",
]

_log = logging.getLogger(__name__)

#: Where the page, the start script and ``node_modules`` live.
IDE_DIR: Final = Path(__file__).resolve().parents[1] / "ide"
#: The URL prefix of the assets; under ``/graphql`` so nginx's existing proxy covers it.
ASSET_PREFIX: Final = "/graphql/ide/"
#: ``npm ci`` on a cold cache, with room for a slow mirror (s).
_BUILD_TIMEOUT_S: Final = 240

_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"
#: URL name -> (path under IDE_DIR, media type).
_ASSETS: Final[Mapping[str, tuple[str, str]]] = {
    "react.production.min.js": ("node_modules/react/umd/react.production.min.js", _JS),
    "react-dom.production.min.js": (
        "node_modules/react-dom/umd/react-dom.production.min.js",
        _JS,
    ),
    "graphiql.min.js": ("node_modules/graphiql/graphiql.min.js", _JS),
    "graphiql.min.css": ("node_modules/graphiql/graphiql.min.css", _CSS),
    "plugin-explorer.umd.js": ("node_modules/@graphiql/plugin-explorer/dist/index.umd.js", _JS),
    "plugin-explorer.css": ("node_modules/@graphiql/plugin-explorer/dist/style.css", _CSS),
    "graphiql-start.js": ("graphiql-start.js", _JS),
    "graphiql-page.css": ("graphiql-page.css", _CSS),
}

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is not installed</title></head>
<body><h1>GraphiQL is not installed</h1>
<p>Its assets ({missing}) are missing from <code>backend/ide/node_modules</code>.
Fix: run <code>backend/ide/build.sh</code> (needs npm), or restart the backend, which runs it.
The API itself works: POST GraphQL to this address.</p></body></html>
"""


def build_graphiql_assets(ide_dir: Path = IDE_DIR) -> bool:
    """Run ``build.sh --if-changed`` (npm ci only when the lock file changed).

    Blocking (up to a few minutes on a cold npm cache): call it before serving. True
    when every asset is there afterwards; a failed build is logged, not raised: the API
    must serve even where npm is missing, and the page then says how to fix it.
    """
    try:
        build = subprocess.run(
            [str(ide_dir / "build.sh"), "--if-changed"],
            capture_output=True,
            text=True,
            timeout=_BUILD_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        _log.error("GraphiQL assets not built: %s", exc)
        return False
    for line in build.stdout.splitlines():
        _log.info("%s", line)
    if build.returncode != 0:
        _log.error("GraphiQL assets not built (exit %d): %s", build.returncode, build.stderr)
    return not GraphiQLAssets(ide_dir).missing()


class GraphiQLAssets:
    """The GraphiQL page and its asset route, over the files in ``ide_dir``."""

    def __init__(self, ide_dir: Path = IDE_DIR) -> None:
        self._dir = ide_dir

    def missing(self) -> list[str]:
        """Names of the assets not on disk (empty once ``build.sh`` ran)."""
        return [name for name, (path, _type) in _ASSETS.items() if not (self._dir / path).is_file()]

    def page(self) -> Response:
        """The IDE's HTML; a 503 page saying how to fix it while assets are missing."""
        missing = self.missing()
        if missing:
            return HTMLResponse(_NOT_BUILT.format(missing=", ".join(missing)), status_code=503)
        return HTMLResponse((self._dir / "graphiql.html").read_text(encoding="utf-8"))

    async def serve(self, request: Request) -> Response:
        """``GET /graphql/ide/{name}``: one of the known assets, else 404."""
        known = _ASSETS.get(request.path_params["name"])
        if known is None:
            return PlainTextResponse("not found", status_code=404)
        path, media_type = known
        if not (self._dir / path).is_file():
            return PlainTextResponse("GraphiQL is not installed", status_code=503)
        return FileResponse(self._dir / path, media_type=media_type)

    def route(self) -> Route:
        """The starlette route serving the assets."""
        return Route(ASSET_PREFIX + "{name}", self.serve, methods=["GET", "HEAD"])
