"""server/domain/users.py: what a valid account and password are, and who may be
disabled. Pure (Argon2 runs in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher

from server.domain import users
from server.domain.forms import FormErrors
from server.domain.users import (
    LAST_CAPTAIN,
    User,
    check_password,
    common_passwords,
    disable_refusal,
    hash_password,
    normalize_email,
    validate_new_user,
    validate_password,
)

GOOD = "correct horse battery staple"


def test_a_new_user_is_normalised() -> None:
    assert validate_new_user(" Pat@Example.COM ", "  Pat   Crew ", GOOD, "captain") == (
        "pat@example.com",
        "Pat Crew",
    )
    assert validate_new_user("a@example.com", "n" * 100, GOOD, "crew")[1] == "n" * 100


def test_every_bad_field_has_its_message() -> None:
    with pytest.raises(FormErrors) as refused:
        validate_new_user("pat", " ", "short", "admin")
    assert refused.value.errors == {
        "role": "Choose crew or captain.",
        "email": "Enter an email address, like name@example.com.",
        "name": "Give a name of 1 to 100 characters.",
        "password": "Use a password of at least 12 characters; a short sentence works.",
    }
    with pytest.raises(FormErrors) as long_name:
        validate_new_user("a@example.com", "n" * 101, GOOD, "crew")
    assert long_name.value.errors == {"name": "Give a name of 1 to 100 characters."}


def test_password_rules() -> None:
    assert validate_password("a" * 11) == (
        "Use a password of at least 12 characters; a short sentence works."
    )
    assert validate_password("abcd" * 3) is None
    assert validate_password("abcd" * 256) is None
    assert validate_password("abcd" * 256 + "e") == "Use a password of at most 1024 characters."
    easy = "This password is too common or too easy to guess; choose another."
    assert validate_password("abcabcabcabc") == easy  # three different characters
    common = sorted(
        p for p in common_passwords() if len(p) >= 12 and len(set(p)) >= 4 and p.isalpha()
    )[0]
    assert validate_password(common.upper()) == easy


def test_the_common_list_skips_comments_and_blank_lines() -> None:
    listed = common_passwords()
    assert "" not in listed and not any(p.startswith("#") for p in listed)
    assert all(p == p.strip().lower() for p in listed) and len(listed) == 801


@pytest.fixture
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The same checks with cheap Argon2 parameters, so the unit tests stay fast; the
    dummy hash made with them is dropped afterwards."""
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    users.dummy_hash.cache_clear()
    yield
    users.dummy_hash.cache_clear()


@pytest.mark.usefixtures("cheap_argon2")
def test_a_password_checks_against_its_hash_only() -> None:
    user = {"password_hash": hash_password(GOOD)}
    assert user["password_hash"].startswith("$argon2id$")
    assert check_password(user, GOOD)
    assert not check_password(user, GOOD + "!")
    assert not check_password(None, GOOD)
    assert users.dummy_hash() != users.dummy_hash.__wrapped__()  # a random one, made once
    assert not check_password({"password_hash": "not a hash"}, GOOD)


def test_emails_are_compared_trimmed_and_lower_case() -> None:
    assert normalize_email("  Pat@Example.COM\n") == "pat@example.com"


def test_a_captain_is_a_user_with_that_role() -> None:
    assert User("a@x", "A", "captain").is_captain
    assert not User("a@x", "A", "crew").is_captain


def test_the_last_active_captain_cannot_be_disabled() -> None:
    users: list[dict[str, Any]] = [
        {"email": "cap@x", "role": "captain"},
        {"email": "old@x", "role": "captain", "disabled": True},
        {"email": "crew@x", "role": "crew"},
    ]
    assert disable_refusal("cap@x", users) == LAST_CAPTAIN
    assert LAST_CAPTAIN == "This is the last active captain: add or re-enable another first."
    assert disable_refusal("crew@x", users) is None
    two = [*users, {"email": "new@x", "role": "captain", "disabled": False}]
    assert disable_refusal("cap@x", two) is None
