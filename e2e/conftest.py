"""Browser (e2e) fixtures: Playwright in Debian's Chromium, an iPhone-sized profile.

The suite is given a stage, a URL and a captain's sign-in, and nothing else:

- `make e2e BASE_URL=https://staging.example` (pytest-playwright's `--base-url`) with the
  captain in SCC_E2E_CAPTAIN_EMAIL / SCC_E2E_CAPTAIN_PASSWORD runs against that stage;
- without `--base-url` the session starts its own stage (`e2e/stack.py`: dynalite, fresh
  tables, a real uvicorn and one bootstrapped captain) and then uses it exactly the same way.

Either way the captain's desk (`e2e/desk.py`) makes the crew accounts and trips the tests
need through the app's own forms, and cancels and disables them afterwards, so the same
tests run everywhere and none skips against a stage.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from e2e.desk import CaptainDesk, DeskError, desk_request, qa_first_name
from e2e.helpers import Account, CspWatch
from e2e.stack import CAPTAIN_EMAIL_VAR, CAPTAIN_PASSWORD_VAR, Stage, local_stage
from tests.app_role import check_calls
from tests.nu_plugin import is_xdist_worker

# Debian's headless shell (what Playwright itself runs headless; `make browser`), else
# Debian's full Chromium, else Playwright's own download (`playwright install`).
CHROMIUMS = (Path("/usr/lib/chromium/chromium-headless-shell"), Path("/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEVICE = "iPhone 13"
MISSING_CAPTAIN = (
    "the browser suite against {url} needs a captain's sign-in on that stage: set "
    f"{CAPTAIN_EMAIL_VAR} and {CAPTAIN_PASSWORD_VAR} (it makes its own crew accounts "
    "and trips through the app with it)."
)


# --- the failed tests' ids, for `make test`'s rerun of them with tracing -----------

# `make test` and `make e2e` run the browser suite without Playwright's tracing (it costs
# about a quarter of the run's CPU, docs/performance.md); when tests fail, the Makefile
# runs just those again with `--tracing on`, reading their ids from this file (pytest's
# `@file` arguments), so each failure still leaves its trace in var/e2e-artifacts/.
FAILED_IDS_VAR = "SCC_E2E_FAILED_IDS"
_failed_ids: list[str] = []  # this process's; in a pytest-xdist run, the controller's


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and report.nodeid not in _failed_ids:
        _failed_ids.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (or a run without workers) writes the failed ids, one a line:
    an empty file when none failed."""
    path = os.environ.get(FAILED_IDS_VAR, "")
    if path and not is_xdist_worker(session.config):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text("".join(f"{nodeid}\n" for nodeid in _failed_ids), "utf-8")


# --- the longest files first ---------------------------------------------------------

# pytest-xdist (`--dist loadfile`) hands a worker the next file in collection order when
# it is done with one. Alphabetically the longest file (test_e2e_xss.py, ~90 s) came
# last, so one worker ran it alone while the other had finished: the longest go first,
# and the short ones fill both workers' ends (docs/performance.md).
LONGEST_FIRST = ("test_e2e_xss.py", "test_e2e_crew_phone.py", "test_e2e_accessibility.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file, and of the rest, is kept


# --- where the app is: a remote --base-url, or a local stage started here ------------


def _remote_base_url(config: pytest.Config) -> str | None:
    url = config.getoption("--base-url", default=None)
    if not url:
        try:
            url = config.getini("base_url")
        except ValueError:  # the ini key is not registered
            url = None
    return str(url).rstrip("/") if url else None


def _remote_captain() -> Account | None:
    email = os.environ.get(CAPTAIN_EMAIL_VAR, "").strip()
    password = os.environ.get(CAPTAIN_PASSWORD_VAR, "")
    if not email or not password:
        return None
    return Account(email=email, password=password, name="the stage's captain")


def pytest_configure(config: pytest.Config) -> None:
    """Against a remote stage without the captain's sign-in, stop before anything runs,
    with one message (not a skip per test)."""
    url = _remote_base_url(config)
    if url and _remote_captain() is None and not config.option.collectonly:
        raise pytest.UsageError(MISSING_CAPTAIN.format(url=url))


@pytest.fixture(scope="session")
def stage(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    """The stage under test: the remote one named by --base-url, or one started here.
    A local stage's app records every AWS call it makes; once it has stopped, each must
    be allowed by infra/template.yaml's AppRole (tests/app_role.py)."""
    url = _remote_base_url(pytestconfig)
    if url:
        captain = _remote_captain()
        if captain is None:  # only reachable with --collect-only, which runs no fixture
            raise pytest.UsageError(MISSING_CAPTAIN.format(url=url))
        yield Stage(base_url=url, captain=captain)
        return
    folder = tmp_path_factory.mktemp("e2e-server")
    calls = folder / "aws-calls.jsonl"
    with local_stage(folder, calls) as local:
        yield local
    assert check_calls(calls) > 0, "the app's AWS calls were not recorded"


@pytest.fixture(scope="session")
def base_url(stage: Stage) -> str:
    """pytest-playwright's base URL: the stage's."""
    return stage.base_url


@pytest.fixture(scope="session")
def captain(stage: Stage) -> Account:
    return stage.captain


@pytest.fixture(scope="session")
def desk(playwright: Playwright, stage: Stage) -> Iterator[CaptainDesk]:
    """The captain's session that makes (and afterwards cancels and disables) the
    suite's trips and accounts."""
    request = desk_request(playwright, stage.base_url)
    desk = CaptainDesk(request, stage.captain)
    try:
        try:
            desk.sign_in()
        except DeskError as refused:  # one message, not the same error in every test
            pytest.exit(str(refused), returncode=pytest.ExitCode.USAGE_ERROR)
        yield desk
        problems = desk.clean_up()
        assert not problems, "could not clean up after the suite:\n" + "\n".join(problems)
    finally:
        request.dispose()


@pytest.fixture(scope="session")
def app_today(desk: CaptainDesk) -> date:
    """The operator's today on the stage (its own time zone decides it)."""
    return desk.today()


# --- browser: Debian's Chromium, iPhone 13 profile -----------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"headless": True, **browser_type_launch_args, "args": CHROMIUM_ARGS}
    installed = [path for path in CHROMIUMS if path.exists()]
    if installed:
        args["executable_path"] = str(installed[0])
    return args


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    device = {k: v for k, v in playwright.devices[DEVICE].items() if k != "default_browser_type"}
    return {**device, **browser_context_args}


# --- no page breaks the Content Security Policy --------------------------------------


@pytest.fixture(autouse=True)
def no_csp_violations(browser: Browser) -> Iterator[CspWatch]:
    """Every browser context a test makes (pytest-playwright's, or `browser.new_context`
    directly) is watched: any CSP violation on any page fails the test, listed with the
    page's URL. A context is flushed before it closes, so no late message is lost."""
    csp = CspWatch()
    made: list[BrowserContext] = []
    original = browser.new_context

    def new_context(**kwargs: Any) -> BrowserContext:
        context = csp.watch(original(**kwargs))
        close = context.close

        def flushed_close(*args: Any, **close_kwargs: Any) -> None:
            csp.flush(context)
            close(*args, **close_kwargs)

        context.close = flushed_close  # type: ignore[method-assign]
        made.append(context)
        return context

    browser.new_context = new_context  # type: ignore[method-assign]
    try:
        yield csp
    finally:
        browser.new_context = original  # type: ignore[method-assign]
    for context in made:
        csp.flush(context)
    assert not csp.violations, "Content Security Policy violations:\n" + "\n".join(csp.violations)


# --- make screenshots: PNGs of pages and states for people to look at ----------------

SCREENSHOTS_VAR = "SCC_SCREENSHOTS"  # a folder; set by `make screenshots`
SCREEN_WIDTHS = ((390, 844), (320, 568))  # iPhone 13, and the narrowest phone we serve


@pytest.fixture
def shoot() -> Callable[[Page, str], None]:
    """`shoot(page, "patron-waiver-errors")` writes `<name>-390.png` and `<name>-320.png`
    (full page) when `make screenshots` runs (SCC_SCREENSHOTS names the folder); in
    `make test` it does nothing. The page's viewport is put back afterwards."""
    folder = os.environ.get(SCREENSHOTS_VAR, "")

    def take(page: Page, name: str) -> None:
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        before = page.viewport_size
        for width, height in SCREEN_WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
        if before:
            page.set_viewport_size(before)

    return take


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request: pytest.FixtureRequest) -> bool:
    """Run a test with JavaScript on and off."""
    enabled: bool = request.param
    return enabled


@pytest.fixture
def js_page(js: bool, new_context: Callable[..., BrowserContext]) -> Page:
    """A fresh page in a context with JavaScript on or off (see `js`)."""
    context = new_context(java_script_enabled=js)
    return context.new_page()


@pytest.fixture
def nojs_page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context(java_script_enabled=False).new_page()


# --- data: one crew account per session, fresh trips per test, all made by the desk ---


@pytest.fixture(scope="session")
def crew(desk: CaptainDesk) -> Account:
    return desk.add_crew("Qa Robin Deckhand")


@pytest.fixture
def make_event(desk: CaptainDesk, app_today: date) -> Iterator[Callable[..., dict[str, Any]]]:
    """Create a trip through the captain's form (patron "Qa" + random letters, today
    unless `days_ahead` or `day`); `paid` logs a card deposit through the app. The test's
    trips are cancelled when it ends."""
    made: list[str] = []

    def create(
        *, days_ahead: int = 0, day: date | None = None, paid: str | None = None, **fields: str
    ) -> dict[str, Any]:
        when = day or app_today + timedelta(days=days_ahead)
        first_name = fields.pop("first_name", None) or qa_first_name()
        event = desk.create_event(when, first_name, **fields)
        made.append(event["event_id"])
        if paid is not None:
            desk.log_payment(event["event_id"], paid, "card", "Deposit at booking")
            event = desk.event(event["event_id"])
        return event

    yield create
    for event_id in made:
        desk.cancel_event(event_id)
