"""server/domain/forms.py: free text read once, cleaned and capped. Pure."""

from __future__ import annotations

from server.domain.forms import (
    MAX_EMAIL,
    MAX_LINE,
    MAX_MULTILINE,
    FormErrors,
    clean_text,
    form_values,
    is_email,
    mailbox,
    text_field,
)


def test_text_is_nfc_without_control_or_format_characters_and_trimmed() -> None:
    assert clean_text(" Zoe\u0301\x00\u202e\t x\n ") == "Zoé x"
    assert clean_text("a\r\nb\tc", multiline=True) == "a\nb\tc"
    assert clean_text("a\r\nb", multiline=False) == "ab"
    assert clean_text("abcdef", max_length=3) == "abc"
    assert clean_text("x" * (MAX_LINE + 1)) == "x" * MAX_LINE


def test_a_field_is_cleaned_and_missing_or_uploaded_fields_are_empty() -> None:
    form: dict[str, object] = {"name": "  Pat\x07 ", "file": b"bytes", "note": "a\n\tb"}
    assert text_field(form, "name") == "Pat"
    assert text_field(form, "file") == ""
    assert text_field(form, "missing") == ""
    assert text_field(form, "note") == "ab"
    assert text_field(form, "note", multiline=True) == "a\n\tb"


def test_each_field_is_capped_by_its_kind() -> None:
    long = "y" * 5000
    assert len(text_field({"f": long}, "f")) == MAX_LINE
    assert len(text_field({"f": long}, "f", multiline=True)) == MAX_MULTILINE
    assert len(text_field({"email": long}, "email")) == MAX_EMAIL
    # cut before cleaning: four times the cap of invisible characters leave nothing
    assert text_field({"f": "\x00" * (MAX_LINE * 4) + "tail"}, "f") == ""
    assert text_field({"f": "\x00" * (MAX_LINE * 4 - 4) + "tail"}, "f") == "tail"


def test_form_values_clean_each_named_field() -> None:
    form = {"a": " 1 ", "b": "x\ny", "c": "z"}
    assert form_values(form, ["a", "b", "d"], multiline=["b"]) == {"a": "1", "b": "x\ny", "d": ""}


def test_the_email_check_is_local_at_domain_dot_tld() -> None:
    assert is_email("pat@example.com")
    assert is_email("l" * 64 + "@example.com")
    assert not is_email("l" * 65 + "@example.com")
    assert not is_email("pat@example.c")
    assert not is_email("pat@@example.com") and not is_email("pat@ex ample.com")
    assert not is_email("p@" + "d" * 249 + ".com")  # 255 characters
    assert is_email("p@" + "d" * 248 + ".com")  # 254


def test_form_errors_keep_each_field_and_say_them_all() -> None:
    errors = FormErrors({"a": "Bad.", "form": "Reload."})
    assert errors.errors == {"a": "Bad.", "form": "Reload."}
    assert str(errors) == "a: Bad.; form: Reload."


def test_every_line_break_is_dropped_from_a_one_line_field() -> None:
    for brk in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029":
        assert clean_text(f"a{brk}b") == "ab", repr(brk)
        assert clean_text(f"a{brk}b", multiline=True) == "a\nb", repr(brk)
    assert clean_text("Subject\u2028Bcc: x@x") == "SubjectBcc: x@x"  # Zl, not Cc
    assert clean_text("a\u2029\u2029b", multiline=True) == "a\n\nb"
    assert clean_text("a\r\nb", multiline=True) == "a\nb"  # one break, not two
    assert clean_text("a\tb\u200bc", multiline=True) == "a\tbc"  # Cf still dropped


def test_a_mailbox_is_the_address_as_compared() -> None:
    assert mailbox("Pat.Smith+boat@GoogleMail.com") == "patsmith@gmail.com"
    assert mailbox(" p.a.t@gmail.com ") == "pat@gmail.com"
    assert mailbox("Pat.Smith+boat@Example.com") == "pat.smith@example.com"  # dots kept
    assert mailbox("a+b+c@x.org") == "a@x.org"
    assert mailbox("+tag@x.org") == "+tag@x.org"  # no local part before the tag: kept
    assert mailbox("a@b@x.org") == "a@b@x.org"  # split at the last @
    assert mailbox("a.b+c@b@gmail.com") == "ab@gmail.com"
    assert mailbox(" No-At+Sign ") == "no-at+sign"
    assert mailbox("pat@mail.gmail.com") == "pat@mail.gmail.com"
