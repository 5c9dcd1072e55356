"""A small local HTTP server that plays the parts of Stripe's API the app calls
(Checkout Sessions, PaymentIntents, refunds) and Stripe's hosted checkout page, so the
real `stripe` library is tested without reaching Stripe. Webhooks are signed exactly
as Stripe signs them: `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" under the endpoint secret>`."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# How often serve_forever looks for shutdown(): its 0.5 s default made every stop wait
# ~0.25 s, which every test using the stand-in paid.
POLL = 0.02

SECRET_KEY = "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc" * 2
WEBHOOK_SECRET = "whsec_" + "test" * 10


def sign(body: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends with `body`."""
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def nested(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=v`) as nested dicts (lists as "0", "1" keys)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeStripe:
    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, list[dict[str, Any]]] = {}  # charge id -> its refunds
        self.by_key: dict[str, str] = {}  # idempotency key -> session id
        self.requests: list[tuple[str, str]] = []
        self.created: list[dict[str, Any]] = []  # each create call's params
        self.webhook_url: str | None = None  # where the checkout page's "pay" delivers
        self.deliveries: list[int] = []  # statuses the app answered those deliveries
        self.mode = "ok"  # "down": every API call answers 500
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self) -> dict[str, str]:
        return {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "SCC_STRIPE_API_BASE": self.url,
        }

    def start(self) -> FakeStripe:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what Stripe does on its side -------------------------------------------------

    def create_session(self, params: dict[str, Any], key: str) -> dict[str, Any]:
        with self._lock:
            if key and key in self.by_key:
                return self.sessions[self.by_key[key]]
            self.created.append(params)
            lines = params.get("line_items", {}).values()
            total = sum(int(li["price_data"]["unit_amount"]) * int(li["quantity"]) for li in lines)
            session_id = f"cs_test_{uuid.uuid4().hex}"
            session = {
                "id": session_id,
                "object": "checkout.session",
                "url": f"{self.url}/checkout/{session_id}",
                "amount_total": total,
                "currency": params["line_items"]["0"]["price_data"]["currency"],
                "metadata": params.get("metadata", {}),
                "client_reference_id": params.get("client_reference_id"),
                "customer_email": params.get("customer_email"),
                "payment_intent": None,
                "payment_status": "unpaid",
                "status": "open",
                "success_url": params["success_url"],
                "cancel_url": params["cancel_url"],
                "_intent_metadata": params.get("payment_intent_data", {}).get("metadata", {}),
            }
            self.sessions[session_id] = session
            if key:
                self.by_key[key] = session_id
            return session

    def complete(self, session_id: str) -> bytes:
        """The patron pays: the session is paid, and this is its webhook's body."""
        with self._lock:
            session = self.sessions[session_id]
            if session["payment_intent"] is None:
                intent_id = f"pi_test_{uuid.uuid4().hex[:20]}"
                self.intents[intent_id] = {
                    "id": intent_id,
                    "object": "payment_intent",
                    "amount": session["amount_total"],
                    "metadata": session["_intent_metadata"],
                    "latest_charge": f"ch_test_{uuid.uuid4().hex[:20]}",
                }
                session.update(payment_intent=intent_id, payment_status="paid", status="complete")
        return self.event("checkout.session.completed", self.public(session))

    def refund(self, session_id: str, amount: int) -> bytes:
        """A refund from the dashboard (full or partial): the charge.refunded body."""
        with self._lock:
            session = self.sessions[session_id]
            intent = self.intents[session["payment_intent"]]
            charge = intent["latest_charge"]
            refund = {
                "id": f"re_test_{uuid.uuid4().hex[:20]}",
                "object": "refund",
                "amount": amount,
                "charge": charge,
                "payment_intent": intent["id"],
                "status": "succeeded",
            }
            self.refunds.setdefault(charge, []).append(refund)
            refunded = sum(r["amount"] for r in self.refunds[charge])
        charge_object = {
            "id": charge,
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": refunded,
            "payment_intent": intent["id"],
            "refunded": refunded >= intent["amount"],
        }
        return self.event("charge.refunded", charge_object)

    @staticmethod
    def public(session: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in session.items() if not k.startswith("_")}

    @staticmethod
    def event(kind: str, obj: dict[str, Any]) -> bytes:
        return json.dumps(
            {
                "id": f"evt_test_{uuid.uuid4().hex[:20]}",
                "object": "event",
                "type": kind,
                "api_version": "2025-01-27.acacia",
                "created": int(time.time()),
                "livemode": False,
                "data": {"object": obj},
            }
        ).encode()

    def deliver(self, body: bytes) -> int:
        """POST a signed webhook to `webhook_url`, as Stripe does; the app's status."""
        assert self.webhook_url
        request = urllib.request.Request(
            self.webhook_url,
            data=body,
            headers={"Stripe-Signature": sign(body), "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status = int(answer.status)
        except urllib.error.HTTPError as refused:
            status = refused.code
        self.deliveries.append(status)
        return status

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

            def _missing(self) -> None:
                error = {"type": "invalid_request_error", "message": "No such object"}
                self._reply(404, {"error": error})

            def do_GET(self) -> None:
                path = urlsplit(self.path)
                fake.requests.append(("GET", path.path))
                if fake.mode == "down" and path.path.startswith("/v1/"):
                    return self._reply(500, {"error": {"type": "api_error", "message": "down"}})
                parts = path.path.strip("/").split("/")
                if parts[:3] == ["v1", "checkout", "sessions"] and len(parts) == 4:
                    found = fake.sessions.get(parts[3])
                    return self._reply(200, fake.public(found)) if found else self._missing()
                if parts[:2] == ["v1", "payment_intents"] and len(parts) == 3:
                    intent = fake.intents.get(parts[2])
                    return self._reply(200, intent) if intent else self._missing()
                if parts == ["v1", "refunds"]:
                    charge = dict(parse_qsl(path.query)).get("charge", "")
                    listed = fake.refunds.get(charge, [])
                    page = {
                        "object": "list",
                        "data": listed,
                        "has_more": False,
                        "url": "/v1/refunds",
                    }
                    return self._reply(200, page)
                if parts[0] == "checkout" and len(parts) == 2 and parts[1] in fake.sessions:
                    return self._page(parts[1])
                self._missing()

            def _page(self, session_id: str) -> None:
                session = fake.sessions[session_id]
                total = session["amount_total"] / 100
                html = (
                    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                    '<meta name="viewport" content="width=device-width">'
                    "<title>Stand-in checkout</title></head><body><main>"
                    f"<h1>Pay ${total:,.2f}</h1>"
                    f'<form method="post" action="/checkout/{session_id}/pay">'
                    '<button type="submit">Pay</button></form>'
                    f'<p><a href="{session["cancel_url"]}">Back</a></p></main></body></html>'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(html)))
                self.end_headers()
                self.wfile.write(html)

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                fake.requests.append(("POST", path))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if fake.mode == "down":
                    return self._reply(500, {"error": {"type": "api_error", "message": "down"}})
                if path == "/v1/checkout/sessions":
                    params = nested(parse_qsl(raw, keep_blank_values=True))
                    key = self.headers.get("Idempotency-Key", "")
                    return self._reply(200, fake.public(fake.create_session(params, key)))
                parts = path.strip("/").split("/")
                if len(parts) == 3 and parts[0] == "checkout" and parts[2] == "pay":
                    session = fake.sessions.get(parts[1])
                    if session is None:
                        return self._missing()
                    body = fake.complete(parts[1])
                    if fake.webhook_url:
                        fake.deliver(body)
                    back = session["success_url"].replace("{CHECKOUT_SESSION_ID}", parts[1])
                    self.send_response(303)
                    self.send_header("Location", back)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                self._missing()

        return Handler
