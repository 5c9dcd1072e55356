"""The web app manifest's icons (issue 24 item 19): a 192 px and a 512 px PNG and a
maskable one, each a PNG of the size it claims, served by the app, made by
tools/icons.py."""

from __future__ import annotations

import importlib.util
import re
import struct
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent


def manifest(client: TestClient) -> dict[str, Any]:
    page = client.get("/login").text
    found = re.search(r'<link rel="manifest" href="([^"]+)"', page)
    assert found, "no manifest link"
    response = client.get(found.group(1))
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR, after checking the signature and the CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    body = data[12 : 16 + length]
    assert struct.unpack(">I", data[16 + length : 20 + length])[0] == zlib.crc32(body)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_manifest_lists_192_512_and_maskable_png_icons_of_those_sizes(
    client: TestClient,
) -> None:
    icons = manifest(client)["icons"]
    pngs = [icon for icon in icons if icon["type"] == "image/png"]
    purposes = {(icon["sizes"], icon["purpose"]) for icon in pngs}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in pngs:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon
        assert response.headers["content-type"] == "image/png"
        width, height = png_size(response.content)
        assert f"{width}x{height}" == icon["sizes"], icon


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("icons", ROOT / "tools" / "icons.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_icons_are_what_tools_icons_draws() -> None:
    """The PNGs in static/ come from the script (the small one is redrawn here; the
    drawing code is the same for every size)."""
    icons = load_tool()
    drawn = icons.png(icons.draw(192, maskable=False), 192)
    assert drawn == (ROOT / "static" / "icon-192.png").read_bytes()
    assert set(icons.ICONS) == {"icon-192.png", "icon-512.png", "icon-maskable-512.png"}


def test_the_maskable_icon_is_opaque_to_its_edges_and_the_plain_one_has_round_corners() -> None:
    """A maskable icon is cut to any shape, so it has no transparent pixel; the plain
    icon keeps the SVG's rounded corners (its corner pixel is transparent)."""
    icons = load_tool()
    maskable = icons.draw(64, maskable=True)
    plain = icons.draw(64, maskable=False)
    assert all(row[3::4] == b"\xff" * 64 for row in maskable)
    assert plain[0][3] == 0 and plain[32][32 * 4 + 3] == 255
