"""What a valid crew or captain account is.

Pure domain code: imports neither Starlette nor boto3. Passwords are Argon2id.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.domain.forms import EMAIL_MESSAGE, FormErrors, is_email

ROLES = ("crew", "captain")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list (OWASP ASVS 5, level 1: refuse passwords known to be common)."""
    lines = (Path(__file__).parent / "common_passwords.txt").read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def validate_password(password: str) -> str | None:
    """What is wrong with a new password, or None. At least 12 characters, no rules
    about character classes (ASVS 5 level 1), not a common password."""
    if len(password) < MIN_PASSWORD:
        return f"Use a password of at least {MIN_PASSWORD} characters; a short sentence works."
    if len(password) > MAX_PASSWORD:
        return f"Use a password of at most {MAX_PASSWORD} characters."
    if password.lower() in common_passwords() or len(set(password)) < 4:
        return "This password is too common or too easy to guess; choose another."
    return None


def validate_new_user(email: str, name: str, password: str, role: str) -> tuple[str, str]:
    """The normalised email and name; FormErrors says what is wrong, per field."""
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = "Choose crew or captain."
    email = email.strip().lower()
    if not is_email(email):
        errors["email"] = EMAIL_MESSAGE
    name = " ".join(name.split())
    if not name or len(name) > 100:
        errors["name"] = "Give a name of 1 to 100 characters."
    problem = validate_password(password)
    if problem:
        errors["password"] = problem
    if errors:
        raise FormErrors(errors)
    return email, name


hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@functools.cache
def dummy_hash() -> str:
    """Verified against when the email is unknown, so both failures take about as long.
    Made on first use, not at import (an Argon2 hash was half the app's import time);
    on Lambda it is made during init (server.lambda_handler)."""
    return hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    email: str
    name: str
    role: str

    @property
    def is_captain(self) -> bool:
        return self.role == "captain"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def check_password(user: dict[str, Any] | None, password: str) -> bool:
    """Verify a password; unknown users cost the same Argon2 work as known ones."""
    try:
        hasher.verify(user["password_hash"] if user else dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None


LAST_CAPTAIN = "This is the last active captain: add or re-enable another first."


def disable_refusal(email: str, users: list[dict[str, Any]]) -> str | None:
    """Why the account `email` cannot be disabled, or None: the business always keeps
    one active captain, or nobody could manage crew again."""
    captains = [u["email"] for u in users if u.get("role") == "captain" and not u.get("disabled")]
    return LAST_CAPTAIN if captains == [email] else None
