"""The assistant's document tools: `search_documents` and `generate_pdf`.

Both act for the chat's owner only: every id the model passes is re-scoped to that user.
"""

import uuid

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import rate_limits
from chats.tool_registry import Tool, ToolContext, ToolResult, register
from memory.models import MemoryEntry

from . import search
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
    return ToolResult(
        "\n\n".join(lines),
        _("%(count)s documents found for “%(query)s”") % {"count": len(hits), "query": query},
        {"query": query, "hits": [
            {"id": hit.document_id, "filename": hit.filename,
             "url": reverse("documents:detail", args=[hit.document_id])} for hit in hits
        ]},
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
    return ToolResult(
        f"The PDF “{report.title}” is ready; the user can download it at {url} "
        f"(also listed on /pdfs/).",
        _("PDF compiled: %(title)s") % {"title": report.title},
        {"id": str(report.pk), "title": report.title, "url": url},
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
))
