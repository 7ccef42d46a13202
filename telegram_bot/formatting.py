"""An assistant answer as Telegram messages: the page's sanitised HTML reduced to the tags
Telegram accepts (parse_mode HTML), tool cards as one short line, the end state as a
last line, split into messages under Telegram's 4096-character limit.

The answer's text parts are already rendered and sanitised (chats/markdown.py); this
keeps their meaning (bold, italics, code, links, lists, quotes) and drops the rest. Every
piece is balanced HTML on its own, so a split never leaves a tag open.
"""

import html
import re
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from chats import tool_registry

LIMIT = 4096  # Telegram's limit on a message's text, counted after the markup is parsed
ROOM = 3900  # what one message holds here, leaving a margin
INLINE = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u", "s": "s",
          "del": "s", "strike": "s", "code": "code"}
BLOCK_TAGS = {"p", "ul", "ol", "pre", "blockquote", "table", "h1", "h2", "h3", "h4", "h5", "h6",
              "hr", "div"}
SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


def visible_length(text: str) -> int:
    """Telegram counts UTF-16 code units of the text without its markup."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    return len(plain.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    """Sanitised page HTML → balanced top-level pieces in Telegram's tag subset."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.out: list[str] = []
        self.depth = 0  # depth of block elements
        self.lists: list[int | None] = []  # a counter for each open <ol>, None for <ul>
        self.in_pre = 0
        self.open_links: list[bool] = []

    def _emit(self, text: str) -> None:
        self.out.append(text)

    def _end_piece(self) -> None:
        piece = re.sub(r"\n{3,}", "\n\n", "".join(self.out)).strip()
        if piece:
            self.pieces.append(piece)
        self.out = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.depth += 1
        if tag in INLINE and not (tag == "code" and self.in_pre):
            self._emit(f"<{INLINE[tag]}>")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            link = bool(SAFE_LINK.match(href))
            self.open_links.append(link)
            if link:
                self._emit(f'<a href="{html.escape(href)}">')
        elif tag == "pre":
            self.in_pre += 1
            self._emit("<pre>")
        elif tag == "blockquote":
            self._emit("<blockquote>")
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self._emit("<b>")
        elif tag in {"ul", "ol"}:
            if self.lists:
                self._emit("\n")
            self.lists.append(1 if tag == "ol" else None)
        elif tag == "li":
            indent = "  " * (len(self.lists) - 1)
            number = self.lists[-1] if self.lists else None
            if number is None:
                self._emit(f"{indent}• ")
            else:
                self._emit(f"{indent}{number}. ")
                self.lists[-1] = number + 1
        elif tag == "br":
            self._emit("\n")
        elif tag == "hr":
            self._emit("——————")
        elif tag == "img":
            self._emit(html.escape(dict(attrs).get("alt") or "", quote=False))

    def handle_endtag(self, tag):
        if tag in INLINE and not (tag == "code" and self.in_pre):
            self._emit(f"</{INLINE[tag]}>")
        elif tag == "a":
            if self.open_links and self.open_links.pop():
                self._emit("</a>")
        elif tag == "pre":
            self.in_pre -= 1
            self._emit("</pre>")
        elif tag == "blockquote":
            self._emit("</blockquote>")
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self._emit("</b>\n\n")
        elif tag in {"ul", "ol"}:
            if self.lists:
                self.lists.pop()
        elif tag in {"li", "tr"}:
            self._emit("\n")
        elif tag in {"td", "th"}:
            self._emit(" | ")
        elif tag == "p":
            self._emit("\n\n")
        if tag in BLOCK_TAGS:
            self.depth = max(self.depth - 1, 0)
            if self.depth == 0:
                self._end_piece()

    def handle_data(self, data):
        self._emit(html.escape(data, quote=False))

    def close(self):
        super().close()
        self._end_piece()


def pieces_of(page_html: str) -> list[str]:
    parser = _TelegramHTML()
    parser.feed(page_html or "")
    parser.close()
    return parser.pieces


def _plain_chunks(text: str, size: int = ROOM) -> list[str]:
    """Text too long for one message as plain (escaped) chunks, cut at a line or a space."""
    chunks = []
    while text:
        if len(text) <= size:
            chunks.append(text)
            break
        cut = text.rfind("\n", 0, size)
        if cut < size // 2:
            cut = text.rfind(" ", 0, size)
        if cut < size // 2:
            cut = size
        chunks.append(text[:cut])
        text = text[cut:].lstrip()
    return [html.escape(chunk, quote=False) for chunk in chunks if chunk.strip()]


def _fit(piece: str) -> list[str]:
    if visible_length(piece) <= ROOM:
        return [piece]
    plain = html.unescape(re.sub(r"<[^>]+>", "", piece))
    return _plain_chunks(plain, ROOM // 2)  # UTF-16: an emoji counts twice


def tool_line(part: dict) -> str:
    summary = part.get("summary") or ""
    if part.get("status") == "running":
        summary = summary or _("working…")
    line = f"🔧 {tool_registry.label(part.get('name', ''))}" + (f" — {summary}" if summary else "")
    return f"<i>{html.escape(line, quote=False)}</i>"


def end_line(state: dict) -> str:
    status = state.get("status")
    if status in {"error", "interrupted"}:
        return "⚠️ " + html.escape(state.get("error") or "", quote=False)
    if status == "stopped":
        return "<i>" + html.escape(_("Stopped. The answer so far is kept."), quote=False) + "</i>"
    return ""


def messages_for(state: dict) -> list[str]:
    """The Telegram messages (HTML) showing the answer as it is now; never empty."""
    pieces: list[str] = []
    for part in state.get("parts") or []:
        if part.get("type") == "text":
            page_html = part.get("html") or html.escape(part.get("text") or "")
            for piece in pieces_of(page_html):
                pieces.extend(_fit(piece))
        elif part.get("type") == "tool":
            pieces.append(tool_line(part))
    if line := end_line(state):
        pieces.append(line)
    if state.get("status") == "streaming":
        pieces.append("…")
    messages: list[str] = []
    for piece in pieces:
        if messages and visible_length(messages[-1]) + 2 + visible_length(piece) <= ROOM:
            messages[-1] += "\n\n" + piece
        else:
            messages.append(piece)
    return messages or ["…"]
