"""Static assets with content-hashed names: `app.css` is served as `app.<hash>.css`
with a one-year immutable cache, so a deploy can never mix old and new files and a
phone never re-downloads what it has. The same names are used for S3 in production,
which has only those: the local server refuses plain names too, so nothing that works
here links a name the bucket lacks. The web manifest's own links (`/static/icon.svg`)
are rewritten to the hashed names, and the manifest is hashed as rewritten."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
# Files whose `/static/<name>` links are rewritten to the hashed names (not the pages:
# templates link through `static()`).
LINKING = (".webmanifest",)
_LINK = re.compile(r"/static/([A-Za-z0-9_.\-/]+)")


def hashed_name(relative: str, content: bytes) -> str:
    """`vendor/htmx.min.js` -> `vendor/htmx.min.<12 hex>.js`."""
    digest = hashlib.sha256(content).hexdigest()[:12]
    path = Path(relative)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def link_hashed(relative: str, content: bytes, names: Mapping[str, str]) -> bytes:
    """`content` with every `/static/<plain name>` link as its hashed name; a link to
    a file that is not there is an error (it would be a 404 on every phone)."""

    def hashed(link: re.Match[str]) -> str:
        plain = link.group(1)
        if plain not in names:
            raise ValueError(f"static/{relative} links /static/{plain}, which does not exist")
        return f"/static/{names[plain]}"

    return _LINK.sub(hashed, content.decode()).encode()


class Assets:
    """The hashed name (and the bytes served) of every file under the static folder,
    read once at start-up; the deploy's build uploads exactly these."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.names: dict[str, str] = {}
        self.linking: dict[str, bytes] = {}  # rewritten files: their bytes as served
        files = {
            file.relative_to(directory).as_posix(): file
            for file in sorted(directory.rglob("*"))
            if file.is_file()
        }
        for relative, file in files.items():
            if not relative.endswith(LINKING):
                self.names[relative] = hashed_name(relative, file.read_bytes())
        for relative, file in files.items():
            if relative.endswith(LINKING):
                content = link_hashed(relative, file.read_bytes(), self.names)
                self.linking[relative] = content
                self.names[relative] = hashed_name(relative, content)
        self.names = dict(sorted(self.names.items()))
        self.originals = {hashed: original for original, hashed in self.names.items()}

    def url(self, name: str) -> str:
        """The URL path of an asset by its plain name (KeyError if there is none)."""
        return f"/static/{self.names[name]}"

    def content(self, name: str) -> bytes:
        """The bytes served under the asset's hashed name."""
        return self.linking.get(name) or (self.directory / name).read_bytes()


class HashedStaticFiles(StaticFiles):
    """Serves `name.<hash>.ext` (immutable) for the current hash only, as the bucket
    does: a plain name, an old or a made-up hash is a 404."""

    def __init__(self, assets: Assets) -> None:
        super().__init__(directory=assets.directory)
        self.assets = assets

    async def get_response(self, path: str, scope: Scope) -> Response:
        original = self.assets.originals.get(path.replace("\\", "/"))
        if original is None:
            raise HTTPException(404)  # S3 has no such key either
        if original in self.assets.linking:
            return Response(
                self.assets.linking[original],
                media_type="application/manifest+json",
                headers={"Cache-Control": IMMUTABLE},
            )
        response = await super().get_response(original, scope)
        response.headers["Cache-Control"] = IMMUTABLE
        return response
