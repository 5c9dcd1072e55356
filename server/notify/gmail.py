"""Sending mail through the Gmail API (`users.messages.send`) with the real Google client
library. The library is imported on first use, so it never slows a cold start."""

from __future__ import annotations

import base64
import json
import socket
import threading
from email.message import EmailMessage
from typing import Any, Protocol

from server.settings import Settings

SCOPES = ["https://www.googleapis.com/auth/gmail.send"]
# Bounds every Gmail or token call, so a slow Google never holds a worker for long.
TIMEOUT_SECONDS = 5


class MailError(Exception):
    """Gmail did not accept the message; the text is safe to store (no personal data)."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Send and return the provider's message id, or raise MailError."""
        ...


class GmailMailer:
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
                raise MailError(_describe(exc)) from exc
        return str(result["id"])


def _describe(exc: Exception) -> str:
    from google.auth.exceptions import RefreshError
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        return f"Gmail answered HTTP {exc.resp.status}"
    if isinstance(exc, RefreshError):
        return "the Gmail token could not be refreshed (check GMAIL_TOKEN)"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"Gmail did not answer within {TIMEOUT_SECONDS} s"
    return f"sending failed: {type(exc).__name__}"


def make_mailer(settings: Settings) -> GmailMailer | None:
    """The Gmail mailer, or None when Gmail is not configured (mail then waits)."""
    if settings.gmail_token is None:
        return None
    return GmailMailer(str(settings.gmail_token), settings.gmail_api_endpoint)
