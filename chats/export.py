"""One chat as a file the user keeps: Markdown, or a PDF made with WeasyPrint from
chats/export.html (the same local fonts with Cyrillic as the documents' reports; nothing
is fetched from outside).

The PDF is rendered in the request, so it is bounded like the documents' reports: the
newest messages, at most `MAX_PDF_MESSAGES` of them and `MAX_PDF_CHARS` of text (the PDF
says how many earlier ones it leaves out; the Markdown export, cheap to make, has them
all), and the view counts it against the `compile` rate limit the reports share (issue
22: a 5,000-message chat held a web process for minutes, as often as anyone asked)."""

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .markdown import render_markdown
from .models import Chat, Message

MAX_MESSAGES = 5000
MAX_PDF_MESSAGES = 400  # as documents.reports.MAX_CHAT_MESSAGES
# WeasyPrint's time grows with the text: 160,000 characters took 50 s on the busy test
# machine (2 shared cores), so a PDF holds at most this much of the newest text.
MAX_PDF_CHARS = 100_000


def exported_messages(chat: Chat) -> list[Message]:
    """The conversation as it stands: the user's and the assistant's current messages, of
    the active path (a branch the user left is not exported)."""
    return list(
        Message.objects.on_path()
        .filter(chat=chat, role__in=[Message.Role.USER, Message.Role.ASSISTANT])
        .order_by("created")[:MAX_MESSAGES]
    )


def _role(message: Message) -> str:
    return _("You") if message.role == Message.Role.USER else _("Assistant")


def _when(user, moment) -> str:
    local = timezone.localtime(moment, user.zone)
    return formats.date_format(local, "DATETIME_FORMAT")


def filename(chat: Chat, extension: str) -> str:
    title = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in str(chat)).strip()
    return f"{'-'.join(title.split())[:60] or 'chat'}.{extension}"


def as_markdown(user, chat: Chat) -> str:
    lines = [f"# {chat}", "",
             _("Exported %(date)s") % {"date": _when(user, timezone.now())}, ""]
    for message in exported_messages(chat):
        lines += [f"## {_role(message)} · {_when(user, message.created)}", "",
                  message.content.strip() or "…", ""]
    return "\n".join(lines)


def refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"An exported chat loads nothing from outside: {url}")


def pdf_messages(chat: Chat) -> tuple[list[Message], int]:
    """The newest messages that fit MAX_PDF_MESSAGES and MAX_PDF_CHARS (at least the
    last one), oldest first, and how many earlier ones are left out."""
    conversation = Message.objects.on_path().filter(
        chat=chat, role__in=[Message.Role.USER, Message.Role.ASSISTANT])
    kept, chars = [], 0
    for message in conversation.order_by("-created")[:MAX_PDF_MESSAGES]:
        chars += len(message.content)
        if kept and chars > MAX_PDF_CHARS:
            break
        kept.append(message)
    kept.reverse()
    return kept, conversation.count() - len(kept)


def as_pdf(user, chat: Chat) -> bytes:
    messages, left_out = pdf_messages(chat)
    rows = [{"role": _role(m), "user": m.role == Message.Role.USER,
             "when": _when(user, m.created), "html": render_markdown(m.content),
             "content": m.content}
            for m in messages]
    html = render_to_string("chats/export.html", {
        "chat": chat, "rows": rows, "exported": _when(user, timezone.now()),
        "left_out": left_out,
    })
    from weasyprint import HTML  # heavy to load: only when a PDF is made

    return HTML(string=html, url_fetcher=refuse_fetch).write_pdf()
