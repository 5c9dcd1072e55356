"""The seam between the outbox and the senders: what a mailer is, the two ways a send
can fail, and the one place that chooses the mailer (`SCC_MAILER`: Gmail or Amazon SES).

A `MailError` is one notice's failed attempt: it counts, backs off and, at the cap,
ends `failed`. A `MailerBroken` says no email can go at all until the operator acts
(Gmail's `invalid_grant`: the refresh token expired or was revoked; SES sending paused):
the outbox marks the mailer broken, alarms, and leaves the notice pending, its attempt
not counted, so nothing is burned while the operator re-authorises.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

from server.settings import Settings

# Bounds every provider call (and Gmail's token refresh), so a slow provider never
# holds a worker for long; the outbox starts a send only with this much time left.
TIMEOUT_SECONDS = 5


class MailError(Exception):
    """The provider did not accept this message; the text is safe to store (no personal
    data)."""


class MailerBroken(MailError):
    """The provider refuses every send until the operator acts; the text says what."""


class Mailer(Protocol):
    name: str  # "gmail" or "ses": shown to the captain when it is broken

    def send(self, message: EmailMessage) -> str:
        """Send and return the provider's message id, or raise MailError."""
        ...


def make_mailer(settings: Settings) -> Mailer | None:
    """The mailer `SCC_MAILER` chooses, or None when Gmail is not configured (mail then
    waits, owed). Each sender's library is imported on first send, not here."""
    if settings.mailer == "ses":
        from server.notify.ses import SesMailer

        return SesMailer(settings)
    if settings.gmail_token is None:
        return None
    from server.notify.gmail import GmailMailer

    return GmailMailer(str(settings.gmail_token), settings.gmail_api_endpoint)
