"""Sending mail through Amazon SES (the `sesv2` API's SendEmail, Raw content: the very
MIME message the Gmail mailer sends), with boto3. The client is made on first send.

Every failed call is one notice's failed attempt (the outbox backs off 1, 2, 4, 8
minutes and gives up after 5), throttling and a rejected message alike; botocore makes
no retries of its own, so the outbox's back-off is the only one. What stops every send
until the operator acts (the account's sending paused or suspended, the day's quota
spent, the role not allowed) is a `MailerBroken`: the notices wait, not burned.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from server.notify.mailer import TIMEOUT_SECONDS, MailerBroken, MailError
from server.settings import Settings

# SES error codes no retry of this one message can mend, and what the operator does.
BROKEN_CODES = {
    "AccountSuspendedException": "the SES account is suspended: see its reputation page",
    "SendingPausedException": "sending is paused (account or configuration set): resume it",
    "LimitExceededException": "the SES sending quota is spent: wait, or ask AWS for more",
    "AccessDeniedException": "the role may not send from SCC_SES_FROM: check SesIdentity",
    "MailFromDomainNotVerifiedException": "the MAIL FROM domain is not verified: fix its DNS",
}


class SesMailer:
    name = "ses"

    def __init__(self, settings: Settings) -> None:
        self._region = settings.aws_region
        self._endpoint = settings.ses_endpoint
        self._sender = settings.ses_from or ""
        self._configuration_set = settings.ses_configuration_set
        self._call_log = settings.aws_call_log
        self._ses: Any = None

    def _client(self) -> Any:
        if self._ses is None:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=TIMEOUT_SECONDS,
                read_timeout=TIMEOUT_SECONDS,
                retries={"total_max_attempts": 1, "mode": "standard"},
            )
            # A local stand-in takes any credentials; real AWS, the usual chain's.
            key = "local" if self._endpoint else None
            self._ses = boto3.session.Session().client(
                "sesv2",
                region_name=self._region,
                endpoint_url=self._endpoint,
                config=config,
                aws_access_key_id=key,
                aws_secret_access_key=key,
            )
            if self._call_log is not None:
                from server import call_log

                call_log.record(self._ses, self._call_log)
        return self._ses

    def send(self, message: EmailMessage) -> str:
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            # The recipients are the message's own To header (SES reads it for Raw).
            "Content": {"Raw": {"Data": message.as_bytes()}},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            answer = self._client().send_email(**request)
        except Exception as exc:  # botocore's errors and the network's: all "not sent"
            raise _error(exc) from exc
        return str(answer["MessageId"])


def _error(exc: Exception) -> MailError:
    from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "unknown"))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        if code in BROKEN_CODES:
            return MailerBroken(f"SES refused every send ({code}): {BROKEN_CODES[code]}")
        # The error's message may name an address; only its code and status are kept.
        return MailError(f"SES answered HTTP {status} ({code})")
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)):
        return MailError(f"SES did not answer within {TIMEOUT_SECONDS} s")
    return MailError(f"sending failed: {type(exc).__name__}")
