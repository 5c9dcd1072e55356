"""Who is asking: the visitor's IP address, as the per-IP limits and the waiver record
take it."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

from server.web.state import settings_of


def client_ip(request: Request) -> str:
    """The visitor's IP address, without a port: CloudFront's `CloudFront-Viewer-Address`
    when the request proved it came through our distribution (the origin secret), else
    the socket peer. X-Forwarded-For is never trusted. CloudFront sends `ip:port`, for
    IPv6 without brackets (`2001:db8::1:46532`), so the port is always what follows the
    last colon. Limits count the address's host (`rate_limits.ip_key`: IPv6 per /64)."""
    settings = settings_of(request)
    viewer = request.headers.get("cloudfront-viewer-address", "")
    sent = request.headers.get("x-origin-verify", "")
    peer = request.client.host if request.client else ""
    if settings.origin_secret is not None and viewer and settings.from_cloudfront(sent):
        # `ip:port` as CloudFront documents it; an address alone is taken as it is.
        address = _ip_address(viewer.rsplit(":", 1)[0]) or _ip_address(viewer)
        if address is not None:
            return address
    return _ip_address(peer) or peer


def _ip_address(text: str) -> str | None:
    """`text` as an IP address in its one canonical spelling, or None if it is not one."""
    try:
        return str(ipaddress.ip_address(text.removeprefix("[").removesuffix("]")))
    except ValueError:
        return None
