"""Security headers on every response, from one place.

`Cache-Control: no-store` goes on every response to a signed-in visitor (money and
names must not stay in a shared phone's cache or back button) and on every JSON answer,
unless the response says itself how it may be cached (the fingerprinted static files).

The Content-Security-Policy allows only this site's own scripts and styles: no inline
script, no eval, no inline style (htmx is configured with `allowEval: false`,
`includeIndicatorStyles: false`, and `attributesToSettle` without `style`, whose settle
step would copy a style attribute onto a swapped element: see base.html), no plugins,
no framing."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from server.web.cookies import session_cookie_name
from server.web.middleware import HttpMiddleware

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def policy_with_form_action(*origins: str) -> str:
    """The policy with forms also allowed to go (through their 303) to `origins`: the
    pay button's redirect to Stripe's hosted checkout page."""
    allowed = " ".join(("'self'", *origins))
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action {allowed}")


HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


NO_STORE = "no-store"


def apply(headers: MutableHeaders, https: bool, *, private: bool = False) -> None:
    """Add the security headers; `private` (a signed-in visitor) adds no-store."""
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    json = headers.get("content-type", "").startswith("application/json")
    if private or json:
        headers.setdefault("Cache-Control", NO_STORE)


def is_private(scope: Scope, headers: MutableHeaders) -> bool:
    """The request carries a session cookie, or the response sets one (sign-in)."""
    name = session_cookie_name(scope["app"].state.settings)
    if name in Request(scope).cookies:
        return True
    return any(c.startswith(f"{name}=") for c in headers.getlist("set-cookie"))


class SecurityHeaders(HttpMiddleware):
    """Pure ASGI middleware adding the headers to every HTTP response."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = scope["app"].state.settings.secure_cookies

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                apply(headers, https, private=is_private(scope, headers))
            await send(message)

        await self.app(scope, receive, send_with_headers)
