"""The patron link as a QR code a guest at the dock scans from the crew's phone: an
inline SVG made on the server with segno. It has no `style` attribute (the strict CSP
forbids inline styles); its size and white quiet zone come from app.css."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, label: str) -> Markup:
    """`url` as an SVG QR code whose accessible name is `label` (role img + <title>;
    segno escapes the title)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, border=4, title=label, omitsize=True, svgclass="qr-code")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
