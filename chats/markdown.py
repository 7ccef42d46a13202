"""Model output as safe HTML: Markdown rendered server-side, then sanitised with nh3."""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th",
    "td",
}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML in the model's text is escaped, never passed through.
    return MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(text: str) -> str:
    if not text:
        return ""
    html = _parser().render(text)
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}, "th": {"align"},
                                             "td": {"align"}},
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
    )
