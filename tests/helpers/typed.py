"""Small typing helpers for the tests (mypy --strict covers tests/)."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def found(value: T | None) -> T:
    """`value`, which the test expects to exist (a stored item a `get` returned): fails
    the test, rather than an IndexError or a TypeError later, when it is None."""
    assert value is not None, "expected a stored item, found none"
    return value
