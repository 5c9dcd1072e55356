"""The artifact `scc deploy build` makes, with its real dependencies, runs from the zip
alone: unpacked, imported by an interpreter that sees nothing but the standard library
and the unpacked folder, and answering Function URL events against a real dynalite."""

from __future__ import annotations

import base64
import functools
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deploy import cli
from deploy.build import build
from deploy.release import Release, load_release
from server.__main__ import main
from server.store import Store
from tests.conftest import SECRET
from tests.helpers.aws import ORIGIN_SECRET, url_event

# The dependencies' wheels are chosen for Lambda's Python 3.12, but some are built per
# Python version (cffi's `_cffi_backend`, which argon2 needs at import), and this
# machine runs another Python. So the build here asks pip for the running
# interpreter's wheels instead: the same command, platform and `--only-binary`, and
# only the version differs (docs/decisions.md, "Layout").
RUNNING_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

# `-I -S`: no PYTHONPATH, no user or site packages (so neither the virtualenv nor the
# project's editable install): the standard library, then only what the zip holds.
RUN_FROM_ZIP_ALONE = """
import json, sys, sysconfig
task = sys.argv[1]
sys.path.insert(0, task)
import server
from server.lambda_handler import handler
answers = [handler(event, None) for event in json.loads(sys.stdin.read())]
stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
files = [getattr(m, "__file__", None) for m in list(sys.modules.values())]
print(json.dumps({
    "server": server.__file__,
    "answers": answers,
    "outside": sorted(f for f in files if f and not f.startswith((task + "/", *stdlib))),
    "modules": sorted(sys.modules),
}))
"""


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> tuple[Release, Path]:
    """`scc deploy build` run once for the module, its zip unpacked as Lambda would."""
    out = tmp_path_factory.mktemp("artifact") / "deploy"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "build", functools.partial(build, python_version=RUNNING_PYTHON))
        assert main(["deploy", "build", "--out", str(out)]) == 0
    release = load_release(out)
    task = out.parent / "var-task"
    with zipfile.ZipFile(release.zip_path) as archive:
        archive.extractall(task)
    return release, task


def test_the_zip_holds_the_app_and_its_dependencies_and_nothing_of_the_tooling(
    artifact: tuple[Release, Path],
) -> None:
    release, _ = artifact
    with zipfile.ZipFile(release.zip_path) as archive:
        names = archive.namelist()
    for required in ("server/lambda_handler.py", "templates/base.html", "waivers/standard-v1.md"):
        assert required in names, required
    for package in ("starlette", "mangum", "jinja2", "boto3", "argon2", "tzdata", "segno"):
        assert f"{package}/__init__.py" in names, package
    assert not [n for n in names if n.startswith(("deploy/", "server/dev/", "tests/", "bin/"))]


def test_the_zip_alone_answers_healthz_as_lambda_would(
    artifact: tuple[Release, Path], store: Store, tmp_path: Path
) -> None:
    _, task = artifact
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SCC_SECRET_KEY": SECRET,
        "SCC_DYNAMODB_ENDPOINT": store.settings.dynamodb_endpoint or "",
        "SCC_TABLE_PREFIX": store.settings.table_prefix,
        "SCC_BASE_URL": "https://scc.example",
        "SCC_ORIGIN_SECRET": ORIGIN_SECRET,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }
    events = [url_event("GET", "/healthz"), url_event("GET", "/login")]
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", RUN_FROM_ZIP_ALONE, str(task)],
        input=json.dumps(events),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    ran = json.loads(result.stdout)
    assert ran["server"].startswith(f"{task}/"), ran["server"]
    assert ran["outside"] == []  # every module came from the zip or the standard library
    health, login = ran["answers"]
    assert health["statusCode"] == 200, health
    assert health["body"] == "ok"
    assert login["statusCode"] == 200 and 'name="csrf_token"' in login["body"]
    # What handling requests imported: never the tooling the zip leaves out.
    tooling = [m for m in ran["modules"] if m.startswith(("deploy", "server.dev"))]
    assert tooling == []


# Lambda's own limits on a function's code: a zip uploaded directly, and unpacked.
ZIP_BUDGET_BYTES = 50 * 1024 * 1024
UNPACKED_BUDGET_BYTES = 250 * 1024 * 1024


def test_the_zip_stays_within_lambdas_code_size_limits(artifact: tuple[Release, Path]) -> None:
    release, task = artifact
    unpacked = sum(p.stat().st_size for p in task.rglob("*") if p.is_file())
    assert release.zip_path.stat().st_size <= ZIP_BUDGET_BYTES
    assert unpacked <= UNPACKED_BUDGET_BYTES
    with zipfile.ZipFile(release.zip_path) as archive:
        names = archive.namelist()
    for required in ("fonts/DejaVuSans-Latin.ttf", "fonts/DejaVuSans-Bold-Latin.ttf"):
        assert required in names, required
    for module in ("fpdf/__init__.py", "pyhanko/sign/__init__.py", "cryptography/__init__.py"):
        assert module in names, module
    # What the PDF libraries would import only for images and XML is left out (the
    # test below seals a PDF without them); aiohttp stays, pyHanko's signers import it.
    assert "aiohttp/__init__.py" in names
    assert not [n for n in names if n.startswith(("PIL/", "pillow.libs/", "lxml/"))]


SEAL_FROM_ZIP_ALONE = """
import base64, json, sys
sys.path.insert(0, sys.argv[1])
from zoneinfo import ZoneInfo
from server.documents.seal import Sealer
from server.documents.waiver_pdf import WaiverDocument, waiver_pdf
from server.domain.waiver_rules import load_text
given = json.loads(sys.stdin.read())
doc = WaiverDocument(
    given["operator"], given["event"], given["waiver"], load_text("standard-v1"),
    load_text("esign-v1"), ZoneInfo("America/Los_Angeles"),
)
sealed = Sealer(given["key"], given["password"]).seal(waiver_pdf(doc), "test", "zip")
sys.stdout.write(base64.b64encode(sealed).decode())
"""


def test_the_zip_alone_builds_and_seals_a_waiver_pdf(
    artifact: tuple[Release, Path], tmp_path: Path
) -> None:
    from tests.helpers.sealing import OPERATOR, signing_env, validate, waiver_record

    _, task = artifact
    env = signing_env()
    given = {
        "operator": OPERATOR,
        "event": {"event_id": "2026-11-28-alice-whale", "date": "2026-11-28"},
        "waiver": waiver_record(),
        "key": env["SCC_SIGNING_KEY"],
        "password": env["SCC_SIGNING_KEY_PASSWORD"],
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", SEAL_FROM_ZIP_ALONE, str(task)],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warning either (fpdf2's about Pillow is silenced)
    sealed = base64.b64decode(result.stdout)
    assert sealed.startswith(b"%PDF-") and validate(sealed).bottom_line


LANGUAGES_FROM_ZIP_ALONE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from datetime import date, time
from decimal import Decimal
from server.domain.clock import clock_label_in, day_label_in
from server.domain.languages import LANGUAGES, from_accept_language
from server.domain.money import format_money_in
print(json.dumps({
    language: [
        format_money_in(Decimal("1200.50"), language),
        day_label_in(date(2026, 11, 28), language, long=True),
        clock_label_in(time(17, 30), language),
    ]
    for language in LANGUAGES
} | {"es-MX": from_accept_language("es-MX,en;q=0.5")}))
"""


def test_the_zip_alone_writes_dates_and_money_in_every_language(
    artifact: tuple[Release, Path], tmp_path: Path
) -> None:
    # The zip keeps Babel's data for the app's own languages only (deploy/build.py):
    # what it writes from the zip is what the whole of Babel writes here.
    from datetime import date, time
    from decimal import Decimal

    from server.domain.clock import clock_label_in, day_label_in
    from server.domain.languages import LANGUAGES
    from server.domain.money import format_money_in

    release, task = artifact
    with zipfile.ZipFile(release.zip_path) as archive:
        data = [n for n in archive.namelist() if n.startswith("babel/locale-data/")]
    assert "babel/locale-data/es_US.dat" in data and "babel/locale-data/root.dat" in data
    assert "babel/locale-data/fr.dat" not in data and len(data) < 200
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LANGUAGES_FROM_ZIP_ALONE, str(task)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    expected = {
        language: [
            format_money_in(Decimal("1200.50"), language),
            day_label_in(date(2026, 11, 28), language, long=True),
            clock_label_in(time(17, 30), language),
        ]
        for language in LANGUAGES
    }
    assert json.loads(result.stdout) == expected | {"es-MX": "es"}
    assert expected["es"][1] != expected["en"][1]  # Spanish dates are Babel's, not English
