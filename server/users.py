"""What a valid crew or captain account is.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re

from server.forms import FormErrors

ROLES = ("crew", "captain")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def validate_new_user(email: str, name: str, password: str) -> tuple[str, str]:
    """The normalised email and name; FormErrors says what is wrong, per field."""
    errors: dict[str, str] = {}
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = "Enter an email address, like name@example.com."
    name = " ".join(name.split())
    if not name or len(name) > 100:
        errors["name"] = "Give a name of 1 to 100 characters."
    if len(password) < MIN_PASSWORD:
        errors["password"] = f"Use a password of at least {MIN_PASSWORD} characters."
    elif len(password) > MAX_PASSWORD:
        errors["password"] = f"Use a password of at most {MAX_PASSWORD} characters."
    if errors:
        raise FormErrors(errors)
    return email, name
