"""A small local HTTP server that plays the Gmail API and Google's OAuth token endpoint,
so the real client library can be tested without reaching Google."""

from __future__ import annotations

import base64
import email
import json
import threading
import time
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# How often serve_forever looks for shutdown(): its 0.5 s default made every stop wait
# ~0.25 s, which every test using the stand-in paid.
POLL = 0.02

SEND_PATH = "/gmail/v1/users/me/messages/send"


class FakeGmail:
    """`mode` decides how the next sends are answered: "ok", "500", "hang" (until
    `release()`), or "401-once" (one 401, then ok after the client refreshes).
    `delay` (seconds) holds every send's answer that long first: a slow Google.
    `token_mode` "invalid_grant" makes the token endpoint refuse the refresh token, as
    Google does once it has expired (7 days on a "Testing" consent screen) or been revoked."""

    def __init__(self, delay: float = 0.0) -> None:
        self.mode = "ok"
        self.token_mode = "ok"
        self.delay = delay
        self.messages: list[Message] = []
        self.raw: list[bytes] = []  # each message exactly as sent (for strict parsing)
        self.token_requests = 0
        self.send_requests = 0
        self.authorizations: list[str] = []
        self._released = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def token_json(self) -> str:
        return json.dumps(
            {
                "type": "authorized_user",
                "client_id": "test-client.apps.googleusercontent.com",
                "client_secret": "test-secret",
                "refresh_token": "test-refresh-token",
                "token_uri": f"{self.url}/token",
            }
        )

    def release(self) -> None:
        self._released.set()

    def start(self) -> FakeGmail:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if self.path == "/token":
                    with fake._lock:
                        fake.token_requests += 1
                        number = fake.token_requests
                    if fake.token_mode == "invalid_grant":
                        self._reply(
                            400,
                            {
                                "error": "invalid_grant",
                                "error_description": "Token has been expired or revoked.",
                            },
                        )
                        return
                    self._reply(
                        200,
                        {
                            "access_token": f"access-{number}",
                            "expires_in": 3600,
                            "token_type": "Bearer",
                        },
                    )
                    return
                if not self.path.startswith(SEND_PATH):
                    self._reply(404, {"error": {"message": "unknown path"}})
                    return
                with fake._lock:
                    fake.send_requests += 1
                    fake.authorizations.append(self.headers.get("Authorization", ""))
                    mode = fake.mode
                    if mode == "401-once":
                        fake.mode = "ok"
                if fake.delay:
                    time.sleep(fake.delay)
                if mode == "hang":
                    fake._released.wait(30)
                    self._reply(500, {"error": {"message": "too late"}})
                elif mode == "500":
                    self._reply(500, {"error": {"message": "backend error"}})
                elif mode == "401-once":
                    self._reply(401, {"error": {"message": "token expired"}})
                else:
                    raw = json.loads(body)["raw"]
                    data = base64.urlsafe_b64decode(raw)
                    message = email.message_from_bytes(data)
                    with fake._lock:
                        fake.raw.append(data)
                        fake.messages.append(message)
                        number = len(fake.messages)
                    self._reply(200, {"id": f"msg-{number}", "threadId": f"t-{number}"})

        return Handler


def text_of(message: Message, subtype: str = "plain") -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/{subtype} part")
