"""What every part of the deploy tool shares: its one error and its way of reporting."""

from __future__ import annotations

from collections.abc import Callable

Say = Callable[[str], None]


class DeployError(Exception):
    """A step failed or a check refused; the message says which and what to do."""
