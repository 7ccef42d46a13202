"""Admin: general skills in English and Russian side by side; the primary context with its
versions, a diff against the current text and restore."""

import difflib

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .context import restore_version, save_context
from .models import ContextFile, ContextFileVersion, Skill
from .widgets import IconInput


@admin.register(Skill)
class SkillAdmin(TranslationAdmin):
    list_display = ["name", "user", "is_active", "sort_order", "updated"]
    list_filter = ["is_active", ("user", admin.EmptyFieldListFilter)]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["name_en", "name_ru", "user__email"]
    fieldsets = (
        (None, {"fields": ("user", "icon", "is_active", "sort_order", "key")}),
        (_("Text (English | Russian)"), {"fields": (
            ("name_en", "name_ru"), ("description_en", "description_ru"),
            ("system_prompt_en", "system_prompt_ru"),
        )}),
    )
    raw_id_fields = ["user"]
    readonly_fields = ["key"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "icon":
            kwargs["widget"] = IconInput
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class VersionInline(admin.TabularInline):
    model = ContextFileVersion
    fields = ["version", "created", "updated_by", "excerpt", "compare"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("text"))
    def excerpt(self, version):
        return version.content[:120]

    @admin.display(description=_("diff and restore"))
    def compare(self, version):
        url = reverse("admin:skills_contextfile_version", args=[version.context_file_id,
                                                                version.pk])
        return format_html('<a href="{}">{}</a>', url, _("Compare"))


@admin.register(ContextFile)
class ContextFileAdmin(admin.ModelAdmin):
    """Only the primary context: personal contexts are the users' private data."""

    list_display = ["__str__", "version", "updated_by", "updated"]
    fields = ["content", "version", "updated_by", "updated"]
    readonly_fields = ["version", "updated_by", "updated"]
    inlines = [VersionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(type=ContextFile.Type.PRIMARY,
                                                    user__isnull=True)

    def has_add_permission(self, request):
        return not ContextFile.objects.filter(type=ContextFile.Type.PRIMARY).exists()

    def save_model(self, request, obj, form, change):
        if change:
            save_context(ContextFile.objects.get(pk=obj.pk), form.cleaned_data["content"],
                         updated_by=request.user)
        else:
            obj.type, obj.user, obj.updated_by = ContextFile.Type.PRIMARY, None, request.user
            obj.save()

    def get_urls(self):
        return [
            path("<uuid:pk>/versions/<uuid:version_pk>/",
                 self.admin_site.admin_view(self.version_view),
                 name="skills_contextfile_version"),
            *super().get_urls(),
        ]

    def version_view(self, request, pk, version_pk):
        context_file = get_object_or_404(self.get_queryset(request), pk=pk)
        version = get_object_or_404(context_file.versions, pk=version_pk)
        if request.method == "POST" and self.has_change_permission(request, context_file):
            restore_version(version, updated_by=request.user)
            messages.success(request, _("Version %(version)s restored as the current text.")
                             % {"version": version.version})
            return redirect("admin:skills_contextfile_change", context_file.pk)
        diff = "\n".join(difflib.unified_diff(
            version.content.splitlines(), context_file.content.splitlines(),
            fromfile=f"v{version.version}", tofile=f"v{context_file.version}", lineterm="",
        ))
        return TemplateResponse(request, "admin/skills/context_version.html", {
            **self.admin_site.each_context(request),
            "title": _("Version %(version)s") % {"version": version.version},
            "opts": self.model._meta, "original": context_file, "version": version,
            "diff": diff,
        })
