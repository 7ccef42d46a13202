"""The assistant's document tools: `search_documents`, `read_document`, `generate_pdf`,
`get_lab_series` and `suggest_appointment_question`.

Both act for the chat's owner only: every id the model passes is re-scoped to that user.
"""

import uuid

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import rate_limits
from chats import actions
from chats.sources import Source
from chats.tool_registry import Tool, ToolContext, ToolResult, register
from memory.models import MemoryEntry

from . import actions as document_actions
from . import analytes, pages, search, suggested_questions
from .context import excerpt_pages
from .models import Document
from .reports import compile_report


def search_documents(context: ToolContext, data: dict) -> ToolResult:
    query = str(data.get("query") or "").strip()
    if not query:
        return ToolResult(_("Give words to search for."), is_error=True)
    limit = max(1, min(int(data.get("limit") or 5), 20))
    hits = search.search(context.user, query, limit=limit)
    if not hits:
        return ToolResult(f"No documents match {query!r}.", _("No documents found"),
                          {"query": query, "hits": []})
    lines = [f"[{hit.filename}] (id {hit.document_id}): {hit.snippet}" for hit in hits]
    on_page = excerpt_pages(context.user, hits)
    return ToolResult(
        "\n\n".join(lines),
        _("%(count)s documents found for “%(query)s”") % {"count": len(hits), "query": query},
        {"query": query, "hits": [
            {"id": hit.document_id, "filename": hit.filename,
             "url": reverse("documents:detail", args=[hit.document_id])} for hit in hits
        ]},
        sources=[Source(str(hit.document_id), hit.filename, on_page.get(str(hit.document_id)))
                 for hit in hits],
    )


def read_document(context: ToolContext, data: dict) -> ToolResult:
    """An owned document's text page by page, bounded per call (pages.py)."""
    raw_id = str(data.get("document_id") or "").strip()
    found = _valid_ids([raw_id])
    document = (Document.objects.for_user(context.user).filter(pk=found[0])
                .only("id", "filename", "status", "extracted_text", "page_count", "page_starts")
                .first() if found else None)
    if document is None:
        return ToolResult(f"No document with the id {raw_id!r} among the user's documents. "
                          f"Use an id given with an excerpt or by search_documents.",
                          _("Document not found"), is_error=True)
    if not document.extracted_text.strip():
        state = ("is still being processed" if document.is_busy
                 else "holds no text that could be read")
        return ToolResult(f"The document {document.filename} (id {document.pk}) {state}.",
                          _("No text in %(name)s") % {"name": document.filename},
                          is_error=True)
    try:
        first = int(data.get("page") or 1)
    except (TypeError, ValueError):
        first = 1
    reading = pages.read(document.extracted_text, document.page_starts, document.page_count,
                         first)
    unit = "Page" if reading.by_page else "Part"
    lines = [f"{document.filename} (id {document.pk}): {reading.total} "
             f"{unit.lower()}{'s' if reading.total != 1 else ''}"
             + ("" if reading.by_page else " (its page boundaries are not known)") + "."]
    for page in reading.pages:
        lines.append(f"--- {unit} {page.number} of {reading.total} ---\n{page.text}")
    if reading.next_page:
        lines.append(f"(More follows: call read_document with page={reading.next_page}.)")
    else:
        lines.append("(End of the document.)")
    shown = [page.number for page in reading.pages]
    span = f"{shown[0]}–{shown[-1]}" if len(shown) > 1 else str(shown[0])
    summary = (_("Read pages %(pages)s of %(name)s") if reading.by_page
               else _("Read parts %(pages)s of %(name)s")) % {"pages": span,
                                                              "name": document.filename}
    return ToolResult(
        "\n\n".join(lines), summary,
        {"id": str(document.pk), "filename": document.filename, "pages": shown,
         "by_page": reading.by_page, "url": reverse("documents:detail", args=[document.pk])},
        sources=[Source(str(document.pk), document.filename,
                        page.number if reading.by_page else None) for page in reading.pages],
    )


def generate_pdf(context: ToolContext, data: dict) -> ToolResult:
    user = context.user
    if not rate_limits.allow(user, "compile"):
        return ToolResult(str(rate_limits.LIMITS["compile"].message), is_error=True)
    title = str(data.get("title") or "").strip()[:200] or _("Health summary")
    categories = [str(item) for item in data.get("memory_categories") or []]
    memory = MemoryEntry.objects.for_user(user).filter(is_active=True)
    if categories:
        memory = memory.filter(category__in=categories)
    documents = Document.objects.for_user(user).filter(status=Document.Status.COMPLETED)
    wanted = [str(item) for item in data.get("document_ids") or []]
    if wanted:
        documents = documents.filter(pk__in=_valid_ids(wanted))
    elif not data.get("include_documents", True):
        documents = documents.none()
    chat = context.chat if data.get("include_chat") else None
    report = compile_report(
        user, title,
        memory_ids=list(memory.values_list("pk", flat=True)) if data.get("include_memory", True)
        else [],
        document_ids=list(documents.values_list("pk", flat=True)[:50]),
        include_trends=bool(data.get("include_trends", True)),
        chat_id=chat.pk if chat else None,
    )
    url = reverse("pdfs:download", args=[report.pk])
    summary = _("PDF compiled: %(title)s") % {"title": report.title}
    action = actions.record(user, document_actions.PDF, report, summary=summary,
                            origin=actions.from_chat(context.chat))
    return ToolResult(
        f"The PDF “{report.title}” is ready; the user can download it at {url} "
        f"(also listed on /pdfs/).",
        summary,
        {"id": str(report.pk), "title": report.title, "url": url, "action": actions.card(action)},
    )


def _valid_ids(values):
    valid = []
    for value in values:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    return valid


register(Tool(
    name="search_documents",
    description="Full-text search over the user's uploaded health documents (English and "
    "Russian). Returns matching documents with text excerpts.",
    input_schema={
        "type": "object",
        "properties": {
            "query": {
                "type": "string", "description": "Words to find; \"phrases\" and -words work.",
            },
            "limit": {"type": "integer", "minimum": 1, "maximum": 20},
        },
        "required": ["query"],
    },
    run=search_documents,
    label=gettext_lazy("Document search"),
))

register(Tool(
    name="read_document",
    description="Read one of the user's documents in full, page by page: its text from the "
    "given page on (a few pages a call; the answer says which page to ask for next). The "
    "document's id is given with each excerpt (document id …) and by search_documents.",
    input_schema={
        "type": "object",
        "properties": {
            "document_id": {"type": "string", "description": "The document's id."},
            "page": {"type": "integer", "minimum": 1, "default": 1,
                     "description": "The first page to read (1 for the start)."},
        },
        "required": ["document_id"],
    },
    run=read_document,
    label=gettext_lazy("Document"),
))

register(Tool(
    name="generate_pdf",
    description="Compile a PDF report for the user (e.g. a summary for their cardiologist) "
    "from their health memory, their processed documents' extracted data, lab trend tables "
    "and optionally this chat. Returns a download link.",
    input_schema={
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "include_memory": {"type": "boolean", "default": True},
            "memory_categories": {
                "type": "array",
                "items": {"type": "string", "enum": list(MemoryEntry.Category.values)},
                "description": "Only these memory categories (all when omitted).",
            },
            "include_documents": {"type": "boolean", "default": True},
            "document_ids": {"type": "array", "items": {"type": "string"}},
            "include_trends": {"type": "boolean", "default": True},
            "include_chat": {"type": "boolean", "default": False},
        },
        "required": ["title"],
    },
    run=generate_pdf,
    label=gettext_lazy("PDF report"),
))


def get_lab_series(context: ToolContext, data: dict) -> ToolResult:
    name = str(data.get("analyte") or "").strip()[:120]
    if not name:
        return ToolResult(_("Name an analyte."), is_error=True)
    found = analytes.series_called(context.user, name)
    if not found:
        return ToolResult(f"The user has no lab values of {name!r}.",
                          _("No values of %(name)s") % {"name": name}, {"analyte": name})
    text = "\n\n".join(f"{analytes.title(one)}\n{analytes.describe(one)}" for one in found)
    return ToolResult(text, _("Values of %(name)s") % {"name": found[0].name},
                      {"analyte": name, "series": [one.key for one in found]})


register(Tool(
    name="get_lab_series",
    description="Every value of one analyte in the user's lab results (any name, English or "
    "Russian, or a LOINC code), in one unit, with the date and source document of each and "
    "figures computed in code: latest, previous, change, direction, out-of-range count. Use "
    "these figures rather than your own arithmetic.",
    input_schema={
        "type": "object",
        "properties": {"analyte": {"type": "string",
                                   "description": "e.g. LDL, ферритин, HbA1c, 2160-0"}},
        "required": ["analyte"],
    },
    run=get_lab_series,
    label=gettext_lazy("Lab values"),
))


def suggest_appointment_question(context: ToolContext, data: dict) -> ToolResult:
    """A question for the user's next appointment, kept for the appointment form and PDF;
    in a turn that read outside text it waits for the user's confirmation."""
    text = suggested_questions.text_of(data.get("question"))
    try:
        suggested_questions.check(context.user, text)
    except ValidationError as error:
        return ToolResult(" ".join(error.messages), _("Question not added"), is_error=True)
    payload = {"text": text}
    origin = actions.from_chat(context.chat)
    url = reverse("pdfs:appointment")
    if context.untrusted or actions.must_confirm():
        action = actions.propose(context.user, suggested_questions.QUESTION, payload,
                                 origin=origin,
                                 summary=_("Question for the appointment: %(text)s") % {
                                     "text": text})
        return ToolResult(
            f"Not added yet: the question “{text}” waits for the user's confirmation (a card "
            f"with Confirm / Cancel is shown to them). Tell the user it is waiting.",
            _("Waiting for your confirmation: %(text)s") % {"text": text},
            {"text": text, "url": url, "action": actions.card(action)},
        )
    action = actions.perform(context.user, suggested_questions.QUESTION, payload,
                             origin=origin,
                             summary=_("Question for the appointment: %(text)s") % {"text": text})
    return ToolResult(
        f"Added the question “{text}” to the user's questions for their next appointment; "
        f"they can keep or remove it on {url}, where the appointment PDF is made.",
        action.summary, {"text": text, "url": url, "action": actions.card(action)},
    )


register(Tool(
    name="suggest_appointment_question",
    description="Suggest one question the user could ask at their next doctor's appointment "
    "(e.g. after discussing a result that deserves the doctor's opinion). It is added to "
    "the questions page of their appointment PDF, marked as suggested by the assistant; "
    "the user keeps or removes it. One question a call, in the user's language.",
    input_schema={
        "type": "object",
        "properties": {"question": {"type": "string", "description": "The question, "
                                    "as the user would ask it."}},
        "required": ["question"],
    },
    run=suggest_appointment_question,
    reads_data=False,  # its result only confirms its own input
    label=gettext_lazy("Appointment question"),
))
