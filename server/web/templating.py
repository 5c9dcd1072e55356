"""The Jinja2 environment every page, fragment and email template renders in: its
search paths (templates/, partials/), its filters and globals, and the one `finalize`
that keeps what HTML forbids out of every `{{ … }}`."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.requests import Request

from server import ROOT
from server.domain.clock import (
    as_utc,
    clock_time_in,
    day_label_in,
    human_time_in,
    utc_iso,
    zone_abbreviation,
)
from server.domain.float_plan import UNDO_BACK_MINUTES
from server.domain.languages import LANGUAGES, install_gettext, translations
from server.domain.legal_text import legal_html
from server.domain.money import (
    AMOUNT_PATTERN,
    MAX_PAYMENT,
    format_money_in,
    money_str,
)
from server.domain.payments import METHODS, SHOWN_METHODS
from server.domain.tips import crew_of
from server.web.inputs import input_type
from server.web.qr import qr_svg
from server.web.state import settings_of


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([ROOT / "templates", ROOT / "partials"]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=showable,
    )
    install_gettext(env)  # {% trans %} and _() in the page's `language` (issue 30)
    for language in LANGUAGES:
        translations(language)  # a missing compiled catalog stops the start, not a page
    # Each in the page's `language` (English but on a patron's page in another).
    env.filters["money"] = _money
    env.filters["when"] = when  # any stored moment a person reads: <time> in their zone
    env.filters["clock"] = _clock  # a trip's start time ("09:30") as "9:30 am"
    env.filters["day"] = _day  # a date as "Sat 28 Nov 2026"; day(long=True, year=False)
    env.globals["amount_pattern"] = AMOUNT_PATTERN  # the server's amount rule, for the browser
    env.globals["amount_max"] = money_str(MAX_PAYMENT)
    env.globals["input_type"] = input_type  # date/time inputs that keep what was typed
    env.globals["zone_name"] = _zone_name
    env.globals["undo_back_minutes"] = UNDO_BACK_MINUTES
    env.globals["absolute_url"] = _absolute_url  # the patron link to share, with the host
    env.globals["qr_svg"] = qr_svg
    env.filters["legal_html"] = legal_html  # a waiver text (Markdown) as HTML
    env.globals["payment_methods"] = METHODS  # what crew can choose in Log Payment
    env.globals["shown_methods"] = SHOWN_METHODS  # every method, as reports show them
    env.globals["uuid4"] = lambda: str(uuid.uuid4())  # idempotency keys for forms
    env.globals["tip_crew"] = crew_of  # who a trip's tips are split among (issue 27)
    return env


# What HTML may not carry (the Nu Html Checker's "forbidden code point"): the C0 controls
# but tab, line feed, form feed and carriage return; DEL and the C1 controls; and the
# non-characters. Only typed text echoed back (a refused query or form) can hold them.
_NONCHARACTERS = "".join(
    chr(plane + end) for plane in range(0, 0x110000, 0x10000) for end in (0xFFFE, 0xFFFF)
)
_UNSHOWABLE = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef" + re.escape(_NONCHARACTERS) + "]"
)


def showable(value: Any) -> Any:
    """Every `{{ … }}` of every template: text without the code points HTML forbids."""
    if isinstance(value, str) and _UNSHOWABLE.search(value):
        cleaned = _UNSHOWABLE.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


@jinja2.pass_context
def when(
    context: jinja2.runtime.Context,
    moment: str | datetime | None,
    plain: bool = False,
    *,
    full: bool = False,
    in_utc: bool = False,
) -> Markup | str:
    """`{{ p.logged_at | when }}`: `<time datetime="…Z">5:10 pm</time>` in the operator's
    zone (the context's `timezone`), with the day when it is not today; `when(plain=True)`
    is the text alone, for a sentence built in a template. `full` (a record read later)
    always says the day and the zone; `in_utc` says it in UTC."""
    if not moment:
        return ""
    utc = as_utc(moment)
    iso = utc_iso(utc)
    zone = UTC if in_utc else context.get("timezone") or UTC
    text = human_time_in(utc, zone, _language(context), always_day=full, zone=full)
    if plain:
        return text
    return Markup('<time datetime="{}">{}</time>').format(iso, text)


def _language(context: jinja2.runtime.Context) -> str:
    return str(context.get("language") or "en")


@jinja2.pass_context
def _money(context: jinja2.runtime.Context, amount: Decimal) -> str:
    return format_money_in(amount, _language(context))


@jinja2.pass_context
def _clock(context: jinja2.runtime.Context, hhmm: object) -> str:
    return clock_time_in(hhmm, _language(context))


@jinja2.pass_context
def _day(
    context: jinja2.runtime.Context, day: date, *, long: bool = False, year: bool = True
) -> str:
    return day_label_in(day, _language(context), long=long, year=year)


@jinja2.pass_context
def _zone_name(context: jinja2.runtime.Context) -> str:
    """The operator's zone as people name it now (`PST`), for labels like "Expected back"."""
    return zone_abbreviation(context.get("timezone") or UTC)


@jinja2.pass_context
def _absolute_url(context: jinja2.runtime.Context, name: str, **params: Any) -> str:
    """`url(name, …)` on SCC_BASE_URL: what a patron opens from a message or a QR code."""
    request: Request = context["request"]
    path = str(request.app.url_path_for(name, **params))
    return settings_of(request).base_url.rstrip("/") + path
