"""The names of the app's cookies. Over https both carry the `__Host-` prefix, which
pins a cookie to this exact host and path / and requires `Secure`: a neighbouring
subdomain cannot plant one."""

from __future__ import annotations

from server.settings import Settings


def session_cookie_name(settings: Settings) -> str:
    return "__Host-scc_session" if settings.secure_cookies else "scc_session"


def csrf_cookie_name(settings: Settings) -> str:
    return "__Host-scc_csrf" if settings.secure_cookies else "scc_csrf"


def signed_cookie_name(settings: Settings) -> str:
    """The waiver this browser signed last (`event_id:waiver_id`, for half an hour): the
    waiver form then asks before showing a fresh form, so Back after signing never shows
    the browser's restored copy of the signed form."""
    return "__Host-scc_signed" if settings.secure_cookies else "scc_signed"


def draft_cookie_name(settings: Settings) -> str:
    """A plain form's refused entry, for the page it is redirected to (server.web.drafts)."""
    return "__Host-scc_draft" if settings.secure_cookies else "scc_draft"


def known_device_cookie_name(settings: Settings) -> str:
    """The accounts that signed in successfully on this device (see
    `server.web.known_device`): the owner gets past the account-wide sign-in limit."""
    return "__Host-scc_device" if settings.secure_cookies else "scc_device"


def language_cookie_name(settings: Settings) -> str:
    """The language a patron chose with the English | Español switch or a `?lang=` link
    (a year; read only on the patron's pages, /g/...)."""
    return "__Host-scc_lang" if settings.secure_cookies else "scc_lang"
