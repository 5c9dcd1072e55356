"""The versioned waiver texts (`waivers/*.md`) as HTML: Markdown rendered by
markdown-it-py with raw HTML off (any tag in a text shows as text), so numbered
clauses are a list, "- " lines are bullets and hard-wrapped lines join into
paragraphs. The stored SHA-256 stays over the source text; this is only its display."""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt
from markupsafe import Markup

_MARKDOWN = MarkdownIt("commonmark", {"html": False})


@functools.cache
def legal_html(text: str, top_heading: int = 2) -> Markup:
    """`text` as HTML, its headings moved down so that `#` becomes `<h{top_heading}>`
    (the page's own title is the only h1)."""
    tokens = _MARKDOWN.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + top_heading - 1)
            token.tag = f"h{level}"
    return Markup(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))  # html off: escaped
