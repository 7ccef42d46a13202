"""Model output as safe HTML: Markdown rendered server-side, then sanitised with nh3.

A link that leaves the app shows where it goes: its host (in ASCII, so a look-alike
Cyrillic or Greek name shows as `xn--…`) after the link text, and the whole address as its
title — `[your report](https://evil.example/…)` cannot pass for a page of Anamnesis
(issue 22). Links inside the app (a path like `/documents/…`) show as they are.
"""

from contextlib import suppress
from functools import lru_cache
from html import escape
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th",
    "td", "span",
}
TARGET_CLASS = "link-target text-muted-foreground text-xs break-all"


def external_target(href: str) -> str:
    """What an external link's marker shows: its host (ASCII), or a mailto's address;
    "" for a link inside the app."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return "?"
    if parts.scheme == "mailto":
        return parts.path
    if not parts.scheme and not parts.netloc:
        return ""  # a path of this site
    host = parts.hostname or ""
    with suppress(UnicodeError):  # not encodable: shown as it is
        host = host.encode("idna").decode("ascii")
    return host or href


def _link_open(self, tokens, idx, options, env):
    token = tokens[idx]
    target = external_target(str(token.attrGet("href") or ""))
    auto = token.markup == "autolink"  # <https://…>: the text is the address already
    env.setdefault("link_targets", []).append("" if auto else target)
    if target:
        token.attrSet("title", str(token.attrGet("href")))
    return self.renderToken(tokens, idx, options, env)


def _link_close(self, tokens, idx, options, env):
    html = self.renderToken(tokens, idx, options, env)
    target = (env.get("link_targets") or [""]).pop()
    if target:
        html += f' <span class="{TARGET_CLASS}">({escape(target)} ↗)</span>'
    return html


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML in the model's text is escaped, never passed through.
    parser = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
        ["table", "strikethrough"]
    )
    parser.add_render_rule("link_open", _link_open)
    parser.add_render_rule("link_close", _link_close)
    return parser


def render_markdown(text: str) -> str:
    if not text:
        return ""
    html = _parser().render(text, {})
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}, "th": {"align"},
                                             "td": {"align"}, "span": {"class"}},
        url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
    )
