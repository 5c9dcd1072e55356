"""The languages a patron reads the app in (issue 30): which one a visitor gets, and the
gettext catalogs (`server/locale/<lang>/LC_MESSAGES/messages.po`, compiled to `.mo` by
`make setup` and the deploy build; never a committed binary).

English is the source language: every marked string is its own English text, so an
English visitor needs no catalog. A supported language whose compiled catalog is
missing stops the app at its first use rather than showing English silently.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from collections.abc import Callable
from pathlib import Path

import jinja2
from babel import Locale

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
# The order the switch shows them in, each in its own language.
NAMES = {"en": "English", "es": "Español"}
LANGUAGES = tuple(NAMES)
# Babel's locale for each language's dates and money: the operator is in the US.
LOCALES = {"en": "en_US", "es": "es_US"}

Translate = Callable[[str], str]


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for it)
    """Marks a string for the catalog without translating it here (a constant, an
    HTTPException's detail): it is translated where it is shown."""
    return message


def known(value: str | None) -> str | None:
    """`value` if it names a supported language (`es`, `ES`), else None."""
    text = (value or "").strip().lower()
    return text if text in NAMES else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language an `Accept-Language` header prefers (q-values honoured,
    `es-MX` is `es`), or None when it names none of them."""
    preferred: list[tuple[float, str]] = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            preferred.append((-quality + position / 1000, tag.strip().replace("-", "_")))
    for _, tag in sorted(preferred):  # `es_MX` is `es`; `ES` is `es` (as `known` says)
        language = known(tag.split("_")[0])
        if language:
            return language
    return None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The visitor's language: a `?lang=` in the link, then the one they chose before
    (the cookie), then their browser's `Accept-Language`, then English."""
    return known(query) or known(cookie) or from_accept_language(accept_language) or DEFAULT


@functools.cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of `language` (English: none, the marked text is English)."""
    if language == DEFAULT:
        return _gettext.NullTranslations()
    if language not in NAMES:
        raise KeyError(language)
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: run `make setup` (or `make i18n`) to compile it")
    with path.open("rb") as compiled:
        return _gettext.GNUTranslations(compiled)


def translator(language: str) -> Translate:
    """`_` for Python code that words a message for a patron in `language`."""
    return translations(language).gettext


def babel_locale(language: str) -> Locale:
    return Locale.parse(LOCALES.get(language, LOCALES[DEFAULT]))


def install_gettext(env: jinja2.Environment) -> None:
    """Jinja2's i18n extension with `_`, `gettext`, `ngettext` and `{% trans %}` reading
    the catalog of the rendering's `language` (a context value; English when absent), so
    one environment serves every language at once (no per-request install)."""

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str) -> str:
        return translations(context.get("language") or DEFAULT).gettext(message)

    @jinja2.pass_context
    def ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
        return translations(context.get("language") or DEFAULT).ngettext(singular, plural, n)

    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's lines join as one msgid
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
