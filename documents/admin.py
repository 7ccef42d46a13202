"""Documents and compiled reports in the Django admin (read-mostly: content stays private
to its owner's pages; the admin shows status and sizes for operations)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import STORAGE, Usage, add_usage, sum_per_user
from accounts.admin_files import stored_file

from .models import Document, GeneratedPDF


def pdf_bytes(user) -> int:
    """Generated PDFs keep no size column: ask the storage."""
    total = 0
    for pdf in user.generated_pdfs.all():
        try:
            total += pdf.file.storage.size(pdf.file.name)
        except OSError:
            continue
    return total


# The users list in the admin counts documents and generated PDFs as the storage used.
add_usage(Usage(STORAGE, total=lambda: sum_per_user(Document.objects.all(), "file_size"),
                uncolumned=pdf_bytes, prefetch=("generated_pdfs",)))


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("filename", "user", "mime_type", "file_size", "status", "attempts", "created")
    list_filter = ("status", "doc_type", "mime_type")
    search_fields = ("filename", "user__email", "sha256")
    readonly_fields = ("user", stored_file("file", _("file")), stored_file("preview", _("preview")),
                       "mime_type", "file_size", "sha256", "page_count", "attempts", "created",
                       "updated")
    exclude = ("file", "preview", "extracted_text", "metadata")
    list_select_related = ("user",)


@admin.register(GeneratedPDF)
class GeneratedPDFAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "created")
    search_fields = ("title", "user__email")
    readonly_fields = ("user", stored_file("file", _("file")), "source_chat", "created")
    exclude = ("file", "source_documents")
    list_select_related = ("user",)
