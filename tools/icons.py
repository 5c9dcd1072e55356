"""Draw the app's PNG icons (static/icon-192.png, icon-512.png, icon-maskable-512.png)
from the same shapes as static/icon.svg, with the standard library only (zlib, struct).

The PNGs are committed; run this again after changing the design:

    python3 tools/icons.py

The icon is white strokes (a mast, a sail, a hull; 28 px wide with round ends on a
512 px grid) on the theme's navy. The plain icons keep the SVG's rounded corners
(transparent outside); the maskable one fills the whole square and shrinks the drawing
into the safe zone (the middle circle of 80 % diameter that every mask shape keeps).
Edges are anti-aliased from each pixel's distance to the shapes.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
NAVY = (0x10, 0x24, 0x3A)
WHITE = (0xFF, 0xFF, 0xFF)
GRID = 512.0
CORNER = 96.0  # the SVG's rx
HALF_STROKE = 14.0
# The SVG's path as line segments on its 512 grid: mast, sail, hull.
SEGMENTS = (
    ((256, 96), (256, 352)),
    ((256, 120), (368, 288)),
    ((368, 288), (256, 288)),
    ((144, 352), (368, 352)),
    ((368, 352), (328, 408)),
    ((328, 408), (184, 408)),
    ((184, 408), (144, 352)),
)
MASKABLE_SCALE = 0.8  # the drawing reaches 208 px from the centre; the safe radius is 204.8


def _segment_distance(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)
    t = min(1.0, max(0.0, t))
    return math.hypot(x - ax - t * dx, y - ay - t * dy)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _rounded_square_coverage(x: float, y: float, scale: float) -> float:
    """How much of the pixel centred at (x, y) (grid units) is inside the rounded square."""
    cx = min(max(x, CORNER), GRID - CORNER)
    cy = min(max(y, CORNER), GRID - CORNER)
    outside = math.hypot(x - cx, y - cy) - CORNER  # < 0 inside the corner's arc
    edge = max(-x, x - GRID, -y, y - GRID)  # the square's own sides
    return _clamp(0.5 - max(outside, edge) * scale)


def draw(size: int, *, maskable: bool) -> list[bytes]:
    """The icon's RGBA rows, each `size * 4` bytes."""
    scale = size / GRID  # output pixels per grid unit
    art = MASKABLE_SCALE if maskable else 1.0
    # Shapes in output pixels, so distances are in pixels (one pixel of soft edge).
    centre = size / 2
    segments = [
        tuple(
            ((p[0] - GRID / 2) * art * scale + centre, (p[1] - GRID / 2) * art * scale + centre)
            for p in segment
        )
        for segment in SEGMENTS
    ]
    half = HALF_STROKE * art * scale
    left = min(min(a[0], b[0]) for a, b in segments) - half - 1
    right = max(max(a[0], b[0]) for a, b in segments) + half + 1
    top = min(min(a[1], b[1]) for a, b in segments) - half - 1
    bottom = max(max(a[1], b[1]) for a, b in segments) + half + 1
    rows = []
    for row in range(size):
        y = row + 0.5
        line = bytearray()
        for column in range(size):
            x = column + 0.5
            alpha = 1.0 if maskable else _rounded_square_coverage(x / scale, y / scale, scale)
            white = 0.0
            if left <= x <= right and top <= y <= bottom:
                nearest = min(_segment_distance(x, y, a, b) for a, b in segments)  # type: ignore[arg-type]
                white = _clamp(half + 0.5 - nearest)
            rgb = (round(n + (w - n) * white) for n, w in zip(NAVY, WHITE, strict=True))
            line.extend((*rgb, round(alpha * 255)))
        rows.append(bytes(line))
    return rows


def png(rows: list[bytes], size: int) -> bytes:
    """An 8-bit RGBA PNG (no filter; zlib at level 9)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
}


def main() -> int:
    for name, (size, maskable) in ICONS.items():
        path = STATIC / name
        path.write_bytes(png(draw(size, maskable=maskable), size))
        print(f"{path.relative_to(STATIC.parent)}: {size}x{size}, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
