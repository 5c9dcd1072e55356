"""The store's edge: every error botocore or boto3 raises becomes one of the store's own,
so nothing outside `server/store/` imports botocore (tests/test_layout.py checks).

- `StoreUnavailable`: DynamoDB could not be reached, or throttled, or a table is not
  there yet; nothing was saved and trying again later may work (the app answers 503).
- `StoreError`: any other refusal (a request DynamoDB calls invalid): a bug, a 500.

Only a repository's public methods translate (a `Repo` subclass's, wrapped when the
class is made); inside, the store still sees botocore's errors, so a failed condition
stays an answer (`client.conditional`) and not an exception. The refusals a caller acts
on (`AppendRefused`, `EventExists`, `TripWriteRefused`, ...) pass through unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from server.store.client import is_unavailable

P = ParamSpec("P")
R = TypeVar("R")


class StoreError(Exception):
    """DynamoDB refused a request for a reason no retry mends (the cause is chained)."""


class StoreUnavailable(StoreError):
    """DynamoDB could not be reached or is throttling: nothing was saved, try again."""


def translated(method: Callable[P, R]) -> Callable[P, R]:
    """`method`, raising the store's errors instead of botocore's."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise as_store_error(exc) from exc

    call.__store_boundary__ = True  # type: ignore[attr-defined]
    return call


def as_store_error(exc: BotoCoreError | ClientError) -> StoreError:
    if is_unavailable(exc):
        return StoreUnavailable(f"the database could not be reached: {exc}")
    return StoreError(f"the database refused a request: {exc}")


class Repo:
    """A repository: each public method defined on a subclass raises only the store's
    errors (and its own refusals), never botocore's."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for name, attribute in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(attribute):
                setattr(cls, name, translated(attribute))
