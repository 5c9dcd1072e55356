"""Static assets with content-hashed names: `app.css` is served as `app.<hash>.css`
with a one-year immutable cache, so a deploy can never mix old and new files and a
phone never re-downloads what it has. The same names are used for S3 in production."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")


def hashed_name(relative: str, content: bytes) -> str:
    """`vendor/htmx.min.js` -> `vendor/htmx.min.<12 hex>.js`."""
    digest = hashlib.sha256(content).hexdigest()[:12]
    path = Path(relative)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


class Assets:
    """The hashed name of every file under the static folder, read once at start-up."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.names: dict[str, str] = {}
        for file in sorted(directory.rglob("*")):
            if file.is_file():
                relative = file.relative_to(directory).as_posix()
                self.names[relative] = hashed_name(relative, file.read_bytes())
        self.originals = {hashed: original for original, hashed in self.names.items()}

    def url(self, name: str) -> str:
        """The URL path of an asset by its plain name (KeyError if there is none)."""
        return f"/static/{self.names[name]}"


class HashedStaticFiles(StaticFiles):
    """Serves `name.<hash>.ext` (immutable) for the current hash only; plain names are
    served too, revalidated on every use (handy when developing)."""

    def __init__(self, assets: Assets) -> None:
        super().__init__(directory=assets.directory)
        self.assets = assets

    async def get_response(self, path: str, scope: Scope) -> Response:
        wanted = path.replace("\\", "/")
        original = self.assets.originals.get(wanted)
        if original is None and _HASHED.match(wanted.rsplit("/", 1)[-1]):
            raise HTTPException(404)  # an old or made-up hash: never serve stale content
        response = await super().get_response(original or wanted, scope)
        response.headers["Cache-Control"] = IMMUTABLE if original else "no-cache"
        return response
