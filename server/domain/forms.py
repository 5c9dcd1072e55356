"""Form validation results shared by every form: one way to report a field's error.

Pure domain code: imports neither Starlette nor boto3.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
EMAIL_MESSAGE = "Enter an email address, like name@example.com."


def is_email(value: str) -> bool:
    """The one email syntax check: local@domain.tld, at most 254 characters."""
    return len(value) <= MAX_EMAIL and _EMAIL.match(value) is not None


class FormErrors(Exception):
    """Input that cannot be stored. `errors` maps a field name to its message; the
    key `form` is for a message about the whole form."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def text_field(form: Mapping[str, object], name: str) -> str:
    """The trimmed value of one form field; missing or non-text (an upload) is empty."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_values(form: Mapping[str, object], names: tuple[str, ...]) -> dict[str, str]:
    """The trimmed values of the named fields, as the form's re-render needs them."""
    return {name: text_field(form, name) for name in names}
