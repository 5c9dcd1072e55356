"""A release: what `scc deploy build` made (the Lambda zip and the hashed static assets),
as `release.json` records it and every later command reads it back."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.errors import DeployError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUILD = ROOT / "build" / "deploy"

RUNTIME = "python3.12"  # must match infra/template.yaml
HANDLER = "server.lambda_handler.handler"


@dataclass(frozen=True)
class Asset:
    """One static file: its S3 key (`static/<hashed name>`) and content digest."""

    key: str
    sha256: str
    content_type: str


@dataclass(frozen=True)
class Release:
    """What `scc deploy build` made, as recorded in `release.json`."""

    directory: Path
    code_sha256: str  # base64, as Lambda reports CodeSha256
    commit: str
    built_at: str
    assets: tuple[Asset, ...]

    @property
    def zip_path(self) -> Path:
        return self.directory / "lambda.zip"

    @property
    def code_hex(self) -> str:
        return code_hex(self.code_sha256)

    def asset_bytes(self, asset: Asset) -> bytes:
        return (self.directory / asset.key).read_bytes()

    def manifest(self) -> dict[str, Any]:
        return {
            "code_sha256": self.code_sha256,
            "commit": self.commit,
            "built_at": self.built_at,
            "runtime": RUNTIME,
            "assets": [
                {"key": a.key, "sha256": a.sha256, "content_type": a.content_type}
                for a in self.assets
            ],
        }


def code_hex(code_sha256: str) -> str:
    return base64.b64decode(code_sha256).hex()


def parse_manifest(directory: Path, manifest: Mapping[str, Any]) -> Release:
    return Release(
        directory=directory,
        code_sha256=str(manifest["code_sha256"]),
        commit=str(manifest.get("commit", "unknown")),
        built_at=str(manifest.get("built_at", "")),
        assets=tuple(
            Asset(str(a["key"]), str(a["sha256"]), str(a["content_type"]))
            for a in manifest["assets"]
        ),
    )


def load_release(directory: Path = DEFAULT_BUILD) -> Release:
    """The build in `directory`, checked against its manifest."""
    manifest_path = directory / "release.json"
    if not manifest_path.exists():
        raise DeployError(f"no build in {directory}: run `scc deploy build` first")
    release = parse_manifest(directory, json.loads(manifest_path.read_text()))
    data = release.zip_path.read_bytes()
    if base64.b64encode(hashlib.sha256(data).digest()).decode() != release.code_sha256:
        raise DeployError(f"{release.zip_path} does not match release.json: build again")
    for asset in release.assets:
        if hashlib.sha256(release.asset_bytes(asset)).hexdigest() != asset.sha256:
            raise DeployError(f"{directory / asset.key} does not match release.json: build again")
    return release
