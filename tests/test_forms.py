"""The one text cleaner and the one mailbox comparison (pure: no store, no app)."""

from __future__ import annotations

import sys

import pytest

from server.domain.forms import LINE_BREAKS, clean_text, mailbox


def test_line_breaks_are_exactly_what_splitlines_breaks_at() -> None:
    breaking = {c for c in map(chr, range(sys.maxunicode + 1)) if len(f"a{c}b".splitlines()) == 2}
    assert breaking == LINE_BREAKS


@pytest.mark.parametrize("separator", sorted(LINE_BREAKS))
def test_no_line_break_survives_in_a_one_line_field(separator: str) -> None:
    cleaned = clean_text(f" Sea{separator}Breeze{separator}")
    assert cleaned == "SeaBreeze" and len(cleaned.splitlines()) == 1


@pytest.mark.parametrize("separator", sorted(LINE_BREAKS - {"\n"}))
def test_a_multi_line_field_keeps_each_break_as_a_newline(separator: str) -> None:
    assert clean_text(f"one{separator}two\tthree", multiline=True) == "one\ntwo\tthree"


def test_a_windows_line_end_is_one_newline() -> None:
    assert clean_text("one\r\ntwo", multiline=True) == "one\ntwo"


@pytest.mark.parametrize(
    ("typed", "compared"),
    [
        ("Pat@Example.COM", "pat@example.com"),
        ("pat+boat@example.com", "pat@example.com"),  # +tag for every domain
        ("pat+a+b@example.com", "pat@example.com"),
        ("p.a.t@example.com", "p.a.t@example.com"),  # dots matter outside Gmail
        ("p.a.t@gmail.com", "pat@gmail.com"),
        ("P.A.T+1@GoogleMail.com", "pat@gmail.com"),  # googlemail.com is gmail.com
        ("pat@gmail.com.evil.example", "pat@gmail.com.evil.example"),
        ("+pat@example.com", "+pat@example.com"),  # nothing before the +: not a tag
        (" pat@example.com ", "pat@example.com"),
        ("no-at-sign", "no-at-sign"),
    ],
)
def test_mailbox_is_what_an_address_reaches(typed: str, compared: str) -> None:
    assert mailbox(typed) == compared
