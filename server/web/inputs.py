"""Date and time inputs that never blank what was typed.

A browser sanitizes the value of `<input type=date>` and `<input type=time>`: anything
that is not a valid date (`2026-02-30`) or time (`99:99`) is shown as an empty field.
A form sent back with its error (JavaScript off, or the browser's checks bypassed)
would then point at an empty field. Such a value is rendered in a text input instead,
with the format it needs as its pattern, so the person sees and fixes what they typed.
"""

from __future__ import annotations

import re
from datetime import date

from markupsafe import Markup

# The formats a browser keeps (HTML's "valid date string" and "valid time string").
_DATE = re.compile(r"^(\d{4,})-(\d{2})-(\d{2})$", re.ASCII)
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?$", re.ASCII)
_AS_TEXT = {
    "date": Markup(
        'type="text" inputmode="numeric" pattern="\\d{4}-\\d{2}-\\d{2}" '
        'placeholder="YYYY-MM-DD" title="A date like 2026-05-23"'
    ),
    "time": Markup(
        'type="text" inputmode="numeric" pattern="\\d{1,2}:\\d{2}" '
        'placeholder="HH:MM" title="A 24-hour time like 09:30"'
    ),
}


def browser_keeps(kind: str, value: object) -> bool:
    """Whether a browser shows `value` in an `<input type=kind>` (date or time)."""
    text = str(value or "")
    if not text or kind not in _AS_TEXT:
        return True
    if kind == "time":
        return _TIME.match(text) is not None
    found = _DATE.match(text)
    if found is None:
        return False
    try:
        date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return False
    return True


def input_type(kind: str, value: object = "", min: str = "", max: str = "") -> Markup:
    """`<input {{ input_type("date", value, min=…, max=…) }} …>`: the input's type with
    its limits, or a text input with the format as its pattern when a browser would
    blank `value` (min and max are left off: they do not apply to text)."""
    if not browser_keeps(kind, value):
        return _AS_TEXT[kind]
    limits = [Markup(' {}="{}"').format(k, v) for k, v in (("min", min), ("max", max)) if v]
    return Markup('type="{}"').format(kind) + Markup("").join(limits)
