"""Sending mail through the Gmail API (`users.messages.send`) with the real Google client
library. The library is imported on first use, so it never slows a cold start.

Google's token endpoint answering `invalid_grant` (the refresh token expired, e.g. after
7 days on a consent screen left in "Testing", or was revoked) or `invalid_client` (the
OAuth client was deleted) means no email can go until the sending account is
re-authorised: that is a `MailerBroken`, not one notice's failure."""

from __future__ import annotations

import base64
import json
import socket
import threading
from email.message import EmailMessage
from typing import Any

from server.notify.mailer import TIMEOUT_SECONDS, MailerBroken, MailError

SCOPES = ["https://www.googleapis.com/auth/gmail.send"]
# The token endpoint's answers that no retry can mend: the operator must re-authorise.
BROKEN_GRANTS = ("invalid_grant", "invalid_client")
REAUTHORISE = "re-authorise the sending account and set the new GMAIL_TOKEN (README, Email, Gmail)"


class GmailMailer:
    name = "gmail"

    def __init__(self, token_json: str, api_endpoint: str | None = None) -> None:
        self._token = token_json
        self._endpoint = api_endpoint
        self._service: Any = None
        # httplib2 connections are not thread-safe; background sends share one client.
        self._lock = threading.Lock()

    def _client(self) -> Any:
        if self._service is None:
            import google_auth_httplib2
            import httplib2
            from google.oauth2.credentials import Credentials
            from googleapiclient.discovery import build

            info = json.loads(self._token)
            credentials = Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
                info, scopes=SCOPES
            )
            if self._endpoint and info.get("token_uri"):
                # google-auth always uses Google's token endpoint; with the test-only API
                # override, the token's own token_uri (a local fake) is honoured too.
                credentials = credentials.with_token_uri(info["token_uri"])
            http = google_auth_httplib2.AuthorizedHttp(
                credentials, http=httplib2.Http(timeout=TIMEOUT_SECONDS)
            )
            self._service = build(
                "gmail",
                "v1",
                http=http,
                static_discovery=True,
                cache_discovery=False,
                client_options={"api_endpoint": self._endpoint} if self._endpoint else None,
            )
        return self._service

    def send(self, message: EmailMessage) -> str:
        raw = base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")
        with self._lock:
            try:
                result = (
                    self._client()
                    .users()
                    .messages()
                    .send(userId="me", body={"raw": raw})
                    .execute(num_retries=0)
                )
            except Exception as exc:  # the library raises many types; all mean "not sent"
                raise _error(exc) from exc
        return str(result["id"])


def _error(exc: Exception) -> MailError:
    from google.auth.exceptions import RefreshError
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        return MailError(f"Gmail answered HTTP {exc.resp.status}")
    if isinstance(exc, RefreshError):
        grant = _token_error(exc)
        if grant in BROKEN_GRANTS:
            return MailerBroken(f"Google refused the Gmail token ({grant}): {REAUTHORISE}")
        return MailError("the Gmail token could not be refreshed (check GMAIL_TOKEN)")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return MailError(f"Gmail did not answer within {TIMEOUT_SECONDS} s")
    return MailError(f"sending failed: {type(exc).__name__}")


def _token_error(exc: Exception) -> str:
    """The OAuth `error` code of a failed refresh (google-auth passes the token
    endpoint's JSON answer as the exception's second argument), or ""."""
    answer = exc.args[1] if len(exc.args) > 1 else None
    return str(answer.get("error", "")) if isinstance(answer, dict) else ""
