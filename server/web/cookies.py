"""The names of the app's two cookies. Over https both carry the `__Host-` prefix, which
pins a cookie to this exact host and path / and requires `Secure`: a neighbouring
subdomain cannot plant one."""

from __future__ import annotations

from server.settings import Settings


def session_cookie_name(settings: Settings) -> str:
    return "__Host-scc_session" if settings.secure_cookies else "scc_session"


def csrf_cookie_name(settings: Settings) -> str:
    return "__Host-scc_csrf" if settings.secure_cookies else "scc_csrf"
