"""`scc deploy build`: the Lambda zip (app, templates, partials, waiver texts, static
files, the waiver PDF's fonts, dependencies for Lambda's Linux and Python) and the
static assets under their content-hashed names, with a release manifest."""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from deploy.errors import DeployError, Say
from deploy.release import DEFAULT_BUILD, ROOT, Asset, Release
from server.domain.languages import LANGUAGES
from server.web.assets import Assets

PYTHON_VERSION = "3.12"  # Lambda's, as RUNTIME says
PLATFORM = "manylinux2014_x86_64"  # Lambda's x86_64 Linux (the template's architecture)

# What goes into the zip from the repository, besides the dependencies. `static/` is in
# it too because the app computes the hashed asset names from those files at start-up;
# in production CloudFront serves them from S3, never from the function.
APP_DIRS = ("server", "templates", "partials", "waivers", "static", "fonts")
# Inside APP_DIRS but never run on Lambda: the local dynalite runner and the demo seed
# (`scc local` imports them lazily; nothing the handler imports needs them).
LEFT_OUT = ("server/dev/",)
# No bytecode: Lambda needs CPython 3.12's, which a machine without 3.12 cannot make
# (another version's .pyc is ignored); the cost, ~0.2 s per cold init without SnapStart,
# is in docs/performance.md.
SKIP_PARTS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache"})
# google-api-python-client ships ~110 MB of discovery documents for every Google API;
# the app only builds the Gmail client (static discovery), so the zip keeps that one.
UNUSED = re.compile(r"^googleapiclient/discovery_cache/documents/(?!gmail\.v1\.json$)[^/]+$")
# Optional dependencies of the PDF libraries that the function never imports: fpdf2
# imports Pillow only to add images (the waiver has none; without it fpdf2 warns once,
# server.documents.typesetting silences that), fontTools and pyHanko import lxml only
# for XML (fontTools falls back to the standard library; pyHanko's XMP metadata and EU
# trust lists are not on the sealing path). ~26 MB unpacked. aiohttp stays: pyHanko's
# signers import its timestamp client. tests/integration/test_artifact.py seals a PDF
# from the zip alone.
NEVER_IMPORTED = re.compile(r"^(PIL|pillow\.libs|lxml)/|^(pillow|lxml)-[^/]+\.dist-info/")
# Babel's CLDR data covers ~1,150 locales (33 MB unpacked, ~10 MB zipped); the app writes
# dates and money only in its own languages (server.domain.languages: en_US, es_US),
# whose data and parents (en, es, es_419, root) are the files named for them.
UNUSED_LOCALES = re.compile(
    rf"^babel/locale-data/(?!(?:root|{'|'.join(LANGUAGES)})[._])[^/]+\.dat$"
)

CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
}


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def project_dependencies(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    data = tomllib.loads(pyproject.read_text())
    return list(data["project"]["dependencies"])


def install_dependencies(
    target: Path, say: Say = print, *, python_version: str = PYTHON_VERSION
) -> None:
    """The project's dependencies as wheels for Lambda (Linux x86_64, CPython 3.12),
    whatever machine builds: binary wheels only, never compiled here.

    `python_version` is for the test that runs the built zip on this machine: some
    wheels (cffi's `_cffi_backend`, under argon2) are built per Python version, so
    3.12's cannot import in another interpreter. A deploy always uses Lambda's."""
    requirements = project_dependencies()
    say(f"  installing {len(requirements)} dependencies for {PLATFORM}, Python {python_version}")
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--platform", PLATFORM, "--implementation", "cp",
        "--python-version", python_version, "--only-binary=:all:",
        "--target", str(target), *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise DeployError(f"pip could not install the Lambda dependencies:\n{result.stderr}")


def _files(base: Path) -> Iterator[Path]:
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        if not path.is_file() or SKIP_PARTS & set(relative.parts[:-1]):
            continue
        if path.suffix in (".pyc", ".pyo") or path.name.startswith("."):
            continue
        yield path


def compile_catalogs(locale_dir: Path, target: Path) -> list[str]:
    """Each `<lang>/LC_MESSAGES/messages.po` under `locale_dir` compiled to its `.mo`
    under `target` (the zip's `server/locale/`): the binary is built from the source
    catalog every time, never taken from a checkout. A fuzzy entry is left untranslated,
    as gettext does (the catalog test refuses one)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/messages.po")):
        relative = po.relative_to(locale_dir).with_suffix(".mo")
        with po.open("rb") as source:
            catalog = read_po(source)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        with (target / relative).open("wb") as out:
            write_mo(out, catalog)
        compiled.append(relative.as_posix())
    return compiled


def _write_zip(destination: Path, sources: Sequence[tuple[Path, str]]) -> None:
    """A reproducible zip: sorted entries, fixed timestamps and modes, so the same
    sources give the same bytes and the same CodeSha256."""
    entries: dict[str, Path] = {}
    for base, prefix in sources:
        for path in _files(base):
            name = prefix + path.relative_to(base).as_posix()
            if UNUSED.match(name) or NEVER_IMPORTED.match(name) or UNUSED_LOCALES.match(name):
                continue
            if name.startswith(("bin/", *LEFT_OUT)):  # bin/: pip's scripts
                continue
            entries[name] = path
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes())


def _git_commit(root: Path) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip() + ("-dirty" if dirty else "")


def build(
    out: Path = DEFAULT_BUILD,
    *,
    root: Path = ROOT,
    install_deps: bool = True,
    python_version: str = PYTHON_VERSION,
    say: Say = print,
) -> Release:
    """Make `out/lambda.zip`, `out/static/<hashed names>` and `out/release.json`.
    `python_version` chooses the dependencies' wheels: Lambda's, except in a test."""
    if not (root / "static" / "vendor" / "htmx.min.js").exists():
        raise DeployError("static/vendor/htmx.min.js is missing: run `make setup` first")
    if not (root / "fonts" / "DejaVuSans-Latin.ttf").exists():
        raise DeployError("fonts/ (the waiver PDF's) is missing: run `make setup` first")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    sources = [(root / name, f"{name}/") for name in APP_DIRS]
    with tempfile.TemporaryDirectory(prefix="scc-deps-") as tmp:
        catalogs = Path(tmp) / "locale"  # after server/: these .mo replace any stale one
        for name in compile_catalogs(root / "server" / "locale", catalogs):
            say(f"  compiled server/locale/{name}")
        sources.append((catalogs, "server/locale/"))
        if install_deps:
            deps = Path(tmp) / "deps"
            install_dependencies(deps, say, python_version=python_version)
            sources.append((deps, ""))
        else:
            say("  --no-deps: dependencies left out (this zip cannot run on Lambda)")
        _write_zip(out / "lambda.zip", sources)
    data = (out / "lambda.zip").read_bytes()
    code_sha256 = base64.b64encode(hashlib.sha256(data).digest()).decode()
    say(f"  lambda.zip: {len(data) / 1e6:.1f} MB, CodeSha256 {code_sha256}")

    assets = []
    static = root / "static"
    served = Assets(static)  # the names and bytes the app links (manifest links hashed)
    for path in _files(static):
        relative = path.relative_to(static).as_posix()
        content = served.content(relative)
        key = f"static/{served.names[relative]}"
        (out / key).parent.mkdir(parents=True, exist_ok=True)
        (out / key).write_bytes(content)
        assets.append(Asset(key, hashlib.sha256(content).hexdigest(), content_type(relative)))
    say(f"  {len(assets)} static assets under content-hashed names in {out / 'static'}")

    release = Release(
        directory=out,
        code_sha256=code_sha256,
        commit=_git_commit(root),
        built_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        assets=tuple(assets),
    )
    (out / "release.json").write_text(json.dumps(release.manifest(), indent=2) + "\n")
    return release
