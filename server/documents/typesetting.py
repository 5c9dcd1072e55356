"""The waiver PDF's fonts and lines, made cheap (issue 31's 300 ms budget).

Fonts: fpdf2's `add_font` parses a TrueType file (its cmap, its widths) for every
document, ~11 ms a face. Here each face is parsed once per process and every document
gets a copy of fpdf2's parsed font that shares the read-only parts (widths, cmap, glyph
ids) and has its own mutable ones: the subset of glyphs it used, its missing glyphs, its
font descriptor, and the fontTools font that fpdf2 cuts down in place when it writes the
subset (opened lazily from the file's bytes, read once).

Lines: fpdf2's `multi_cell` measures the line again at every character and space
(quadratic in the line's length), most of a document's time. `lines` breaks at spaces
with the same widths in one pass (a word wider than a line, such as a SHA-256, is
broken where it must be, as `multi_cell` does), and each line is one `cell`."""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Mapping
from io import BytesIO
from typing import TYPE_CHECKING, Any

from server import ROOT

if TYPE_CHECKING:
    from fpdf import FPDF

# The Lambda zip leaves Pillow out (deploy/build.py): fpdf2 needs it only for images.
warnings.filterwarnings("ignore", "Pillow could not be imported", UserWarning)

FONT_DIR = ROOT / "fonts"
FONTS = {"": "DejaVuSans-Latin.ttf", "B": "DejaVuSans-Bold-Latin.ttf"}
FAMILY = "DejaVu"


@functools.cache
def _font_file(style: str) -> bytes:
    return (FONT_DIR / FONTS[style]).read_bytes()


@functools.cache
def parsed_font(style: str) -> Any:
    """fpdf2's parsed font for `style`, made once per process (never written out)."""
    from fpdf import FPDF

    scratch = FPDF()
    scratch.add_font(FAMILY, style, str(FONT_DIR / FONTS[style]))
    return next(iter(scratch.fonts.values()))


def add_fonts(pdf: FPDF) -> None:
    """Make the faces of FONTS usable in `pdf` (as `add_font` would)."""
    from fontTools import ttLib
    from fpdf.fonts import SubsetMap, TTFFont

    for style in FONTS:
        parsed = parsed_font(style)
        font = TTFFont.__new__(TTFFont)
        for slot in TTFFont.__slots__:
            if hasattr(parsed, slot):
                setattr(font, slot, getattr(parsed, slot))
        font.i = len(pdf.fonts) + 1
        font.desc = copy.copy(parsed.desc)  # output numbers it and names the subset
        font.ttfont = ttLib.TTFont(
            BytesIO(_font_file(style)), recalcTimestamp=False, recalcBBoxes=False, lazy=True
        )
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        pdf.fonts[parsed.fontkey] = font


def lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken at spaces into lines that fit a cell `width` mm wide in the current
    font and size (less the cell's margins, as `multi_cell`); a newline breaks too."""
    return [line for part in text.split("\n") for line in _broken(pdf, part, width)]


def _broken(pdf: FPDF, text: str, width: float) -> list[str]:
    widths: Mapping[int, float] = pdf.current_font.cw  # type: ignore[union-attr,assignment]
    # (per code point, in thousandths of the font size: fpdf2's TTFFont.cw)
    room = (width - 2 * pdf.c_margin) * pdf.k * 1000 / pdf.font_size_pt
    space = widths[ord(" ")]
    out: list[str] = []
    line: list[str] = []
    used = 0.0
    for word in text.split(" "):
        size = sum(widths[ord(c)] for c in word)
        if line and used + space + size <= room:
            line.append(word)
            used += space + size
            continue
        if line:
            out.append(" ".join(line))
        while size > room and len(word) > 1:  # wider than a line: break it in the word
            cut, taken = 1, float(widths[ord(word[0])])
            while cut < len(word) and taken + widths[ord(word[cut])] <= room:
                taken += widths[ord(word[cut])]
                cut += 1
            out.append(word[:cut])
            word, size = word[cut:], size - taken
        line, used = [word], size
    out.append(" ".join(line))
    return out


def write(pdf: FPDF, text: str, width: float, height: float) -> None:
    """`text` as lines `height` mm apart from the current position, in a column `width`
    mm wide; the position ends under the last line, at the column's left."""
    from fpdf.enums import XPos, YPos

    for line in lines(pdf, text, width):
        pdf.cell(width, height, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
