"""Issue 30: the Spanish catalog is complete. The marked strings are extracted here, as
`make i18n` does (babel.cfg), and compared with the `.po` in the repository: a string a
patron reads that has no Spanish (missing, empty or fuzzy) fails, so does a new string
marked but never merged into the catalog; the compiled `.mo` says what the `.po` says."""

from __future__ import annotations

import re

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from server import ROOT
from server.domain.languages import LANGUAGES, LOCALE_DIR, translations

IGNORED = {"node_modules", "var", "mutants", "build", "dist"}


def extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found = set()
    for _path, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        directory_filter=lambda d: (
            not d.rsplit("/", 1)[-1].startswith(".") and d.rsplit("/", 1)[-1] not in IGNORED
        ),
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


_PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def untranslated(marked: set[str], po: Catalog) -> dict[str, str]:
    """Each marked string without a usable translation, and why."""
    problems = {}
    for message_id in sorted(marked):
        entry = po.get(message_id)
        if entry is None:
            problems[message_id] = "not in the catalog (run `make i18n`)"
        elif not entry.string:
            problems[message_id] = "empty"
        elif entry.fuzzy:
            problems[message_id] = "fuzzy"
        elif sorted(_PLACEHOLDER.findall(message_id)) != sorted(
            _PLACEHOLDER.findall(str(entry.string))
        ):
            problems[message_id] = "its placeholders differ"
    return problems


def test_the_extraction_finds_the_patrons_strings() -> None:
    marked = extracted()
    # Templates, the waiver rules, the error pages and the email: all seen.
    for expected in (
        "Sign the waiver",  # templates
        "Enter a phone number.",  # server/domain/waiver_rules.py
        "Not found",  # server/web/render.py
        "Your signed waiver, reference {reference}",  # server/notify/emails.py
        "Hello %(name)s,",  # templates/email/
        "No connection — your waiver was not sent. Try again when you have signal.",
    ):
        assert expected in marked, expected
    assert len(marked) > 120


def test_every_patron_facing_string_has_a_spanish_translation() -> None:
    marked = extracted()
    for language in LANGUAGES[1:]:
        assert untranslated(marked, catalog(language)) == {}, language


def test_the_check_fails_on_a_missing_an_empty_or_a_fuzzy_entry() -> None:
    po = Catalog(locale="es")
    po.add("Done", "Hecho")
    po.add("Empty", "")
    po.add("Guess", "Adivinanza", flags=["fuzzy"])
    po.add("Hello %(name)s", "Hola")
    marked = {"Done", "Empty", "Guess", "New", "Hello %(name)s"}
    assert untranslated(marked, po) == {
        "Empty": "empty",
        "Guess": "fuzzy",
        "New": "not in the catalog (run `make i18n`)",
        "Hello %(name)s": "its placeholders differ",
    }


def test_the_compiled_catalog_is_the_po() -> None:
    # A stale .mo (a .po edited without `make setup`) shows here, not to a patron.
    for language in LANGUAGES[1:]:
        compiled = translations(language)
        for entry in catalog(language):
            if entry.id and entry.string:
                assert compiled.gettext(str(entry.id)) == entry.string, entry.id
