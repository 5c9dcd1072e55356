"""What a valid crew or captain account is.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re

ROLES = ("crew", "captain")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def validate_new_user(email: str, name: str, password: str) -> tuple[str, str]:
    """The normalised email and name; ValueError says what is wrong."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValueError(f"{email!r} is not an email address")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("give a name of 1 to 100 characters")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"the password must be at most {MAX_PASSWORD} characters")
    return email, name
