"""What a failed attempt at one notice comes to. Whatever went wrong building or sending
one email is that notice's failure alone: it backs off, and after `MAX_ATTEMPTS` it is
`failed`, shown to the captain and counted by the "notices failed" alarm. The words
stored and logged name the kind of failure and where, never a stored value."""

from __future__ import annotations

import traceback

from server import observe
from server.notify.mailer import MailError

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 60  # then 2, 4, 8 minutes
STALLED = "the last attempt stopped before its outcome was recorded"


def next_attempt_at(attempts: int, now: float) -> float | None:
    """When to try again after the `attempts`-th failed attempt; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF_SECONDS * 2.0 ** (attempts - 1)


def alarm(table_prefix: str) -> None:
    """One notice given up on: the alarm "notices failed" counts these (infra/template.yaml)."""
    observe.emit_metric("NoticesFailed", 1, {"TablePrefix": table_prefix})


def where(exc: BaseException) -> str:
    """`ValueError at emails.py:57`: its text may quote a stored name or address."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    return f"{type(exc).__name__} at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}"


def not_built(exc: Exception) -> str:
    """Why an email could not be built (compose's own LookupErrors say what is gone)."""
    if type(exc) is LookupError:
        return str(exc)
    return f"the email could not be built: {where(exc)}"


def not_sent(exc: Exception) -> str:
    """Why the provider did not take it (a MailError's text is safe to store)."""
    return str(exc) if isinstance(exc, MailError) else f"sending failed: {where(exc)}"
