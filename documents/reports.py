"""Compiling a PDF report (WeasyPrint) from memory entries, documents, lab trends and a chat.

`compile_report(user, …)` takes ids that are re-scoped to `user` here, so neither a form
nor a tool call can pull in someone else's data. Fonts come from Debian packages (DejaVu,
Noto: Cyrillic included); nothing is fetched from the network.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from chats.models import Chat, Message
from memory.models import MemoryEntry

from .models import Document, GeneratedPDF
from .trends import lab_series

MAX_CHAT_MESSAGES = 400


def refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"Reports load nothing from outside: {url}")


def compile_report(user, title, memory_ids=(), document_ids=(), include_trends=False,
                   chat_id=None) -> GeneratedPDF:
    memory = list(
        MemoryEntry.objects.for_user(user).filter(pk__in=list(memory_ids), is_active=True)
        .order_by("category", "title")
    )
    documents = list(
        Document.objects.for_user(user).filter(pk__in=list(document_ids))
        .order_by("document_date", "created")
    )
    chat = Chat.objects.for_user(user).filter(pk=chat_id).first() if chat_id else None
    messages = []
    if chat:
        messages = list(
            Message.objects.on_path()  # the conversation as shown, not a branch left
            .filter(chat=chat, role__in=[Message.Role.USER, Message.Role.ASSISTANT])
            .order_by("created")[:MAX_CHAT_MESSAGES]
        )
    html = render_to_string("documents/report.html", {
        "title": title or _("Health summary"), "user": user, "created": timezone.now(),
        "memory": memory, "documents": documents, "chat": chat, "messages": messages,
        "trends": lab_series(user) if include_trends else [],
    })
    # Imported here: WeasyPrint is heavy to load (and logs while it does), and every
    # process imports this module through the tool registry at startup.
    from weasyprint import HTML

    pdf_bytes = HTML(string=html, url_fetcher=refuse_fetch).write_pdf()
    report = GeneratedPDF(user=user, title=(title or _("Health summary"))[:200], source_chat=chat)
    report.file.save("report.pdf", ContentFile(pdf_bytes), save=False)
    try:
        with transaction.atomic():
            report.save()
            report.source_documents.set(documents)
    except Exception:
        report.file.delete(save=False)  # no orphan file when the row cannot be saved
        raise
    return report
