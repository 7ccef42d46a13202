"""The shared page as a PDF, compiled like the other reports (WeasyPrint, local fonts,
nothing fetched) and handed to the visitor; nothing is kept among the owner's PDFs."""

from django.template.loader import render_to_string

from documents.reports import refuse_fetch

from .content import Shared


def render_pdf(content: Shared, title: str) -> bytes:
    html = render_to_string("sharing/shared_pdf.html", {"shared": content, "title": title})
    from weasyprint import HTML  # heavy: loaded only when a PDF is made

    return HTML(string=html, url_fetcher=refuse_fetch).write_pdf()
