"""The known-device cookie: proof that an account signed in successfully on this device
before, as the big identity providers keep it. Its holder is let past the account-wide
sign-in limit (which strangers can fill from many IPs), not past the per-IP limits or
the password.

The value is `<device id>.<entry>.<entry>...`, one entry per account (newest first, at
most MAX_ACCOUNTS: a crew's shared tablet): `<day issued>-<HMAC of device id, email and
day>`. The email is inside the HMAC only, never in the cookie; an entry is good for
VALID_DAYS after the sign-in that issued it, and every sign-in renews it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from starlette.requests import Request
from starlette.responses import Response

from server.web.cookies import known_device_cookie_name
from server.web.state import settings_of

DAY = 86400
VALID_DAYS = 365
COOKIE_DAYS = 400  # the longest lifetime browsers keep
MAX_ACCOUNTS = 5
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16,43}")


def _mac(request: Request, device: str, email: str, day: int) -> str:
    secret = str(settings_of(request).secret_key).encode()
    message = f"known-device|{device}|{email}|{day}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def _parts(request: Request) -> tuple[str | None, list[tuple[int, str]]]:
    raw = request.cookies.get(known_device_cookie_name(settings_of(request)), "")
    device, *rest = raw.split(".")
    if not _DEVICE_ID.fullmatch(device):
        return None, []
    entries = []
    for entry in rest[:MAX_ACCOUNTS]:
        day, _, mac = entry.partition("-")
        if day.isdigit() and len(day) < 8:
            entries.append((int(day), mac))
    return device, entries


def _mine(request: Request, device: str, email: str, entry: tuple[int, str]) -> bool:
    day, mac = entry
    return hmac.compare_digest(mac, _mac(request, device, email, day))


def known_device(request: Request, email: str, now: float) -> str | None:
    """This device's id when `email` signed in on it within VALID_DAYS, else None."""
    device, entries = _parts(request)
    today = int(now // DAY)
    if device is None or not email:
        return None
    for entry in entries:
        if today - entry[0] <= VALID_DAYS and _mine(request, device, email, entry):
            return device
    return None


def remember_device(request: Request, response: Response, email: str, now: float) -> None:
    """After a successful sign-in: this device knows this account (renewed), and still
    the other accounts it knew that have not expired."""
    device, entries = _parts(request)
    device = device or secrets.token_urlsafe(16)
    today = int(now // DAY)
    kept = [
        f"{day}-{mac}"
        for day, mac in entries
        if today - day <= VALID_DAYS and not _mine(request, device, email, (day, mac))
    ]
    fresh = f"{today}-{_mac(request, device, email, today)}"
    settings = settings_of(request)
    response.set_cookie(
        known_device_cookie_name(settings),
        ".".join([device, fresh, *kept[: MAX_ACCOUNTS - 1]]),
        max_age=COOKIE_DAYS * DAY,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
