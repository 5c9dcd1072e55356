"""A small local HTTP server that plays Amazon SES's sesv2 SendEmail
(`POST /v2/email/outbound-emails`), for the answers moto does not give: throttling and
a paused account. The real boto3 client talks to it through SCC_SES_ENDPOINT."""

from __future__ import annotations

import base64
import email
import json
import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# How often serve_forever looks for shutdown(): its 0.5 s default made every stop wait
# ~0.25 s, which every test using the stand-in paid.
POLL = 0.02

SEND_PATH = "/v2/email/outbound-emails"
# mode -> (HTTP status, SES error code), as SES answers them.
ERRORS = {
    "throttle": (429, "TooManyRequestsException"),
    "rejected": (400, "MessageRejected"),
    "paused": (400, "SendingPausedException"),
}


class FakeSes:
    """`mode` decides how the next sends are answered: "ok" or one of ERRORS."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeSes:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any], code: str = "") -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if code:
                    self.send_header("x-amzn-ErrorType", code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                if self.path != SEND_PATH:
                    self._reply(404, {"message": "unknown path"}, "NotFoundException")
                    return
                with fake._lock:
                    fake.requests.append(body)
                    mode = fake.mode
                if mode in ERRORS:
                    status, code = ERRORS[mode]
                    self._reply(status, {"message": f"fake SES: {mode}"}, code)
                    return
                raw = base64.b64decode(body["Content"]["Raw"]["Data"])
                with fake._lock:
                    fake.messages.append(email.message_from_bytes(raw))
                    number = len(fake.messages)
                self._reply(200, {"MessageId": f"ses-{number}"})

        return Handler
