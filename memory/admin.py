"""The health record in the admin: memory entries, medications with their doses, vitals."""

from django.contrib import admin

from . import medications
from .models import DoseEvent, HealthPreference, Medication, MemoryEntry, Vital


@admin.register(MemoryEntry)
class MemoryEntryAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "category", "importance", "is_active", "updated"]
    list_filter = ["category", "importance", "is_active"]
    search_fields = ["title", "user__email"]
    raw_id_fields = ["user", "source_document", "source_chat"]


class DoseEventInline(admin.TabularInline):
    model = DoseEvent
    extra = 0
    fields = ["scheduled_for", "state", "via", "set_at"]
    ordering = ["-scheduled_for"]


@admin.register(Medication)
class MedicationAdmin(admin.ModelAdmin):
    list_display = ["name", "strength", "user", "schedule", "is_active", "start_date", "end_date"]
    list_filter = ["is_active", "schedule", "form"]
    search_fields = ["name", "user__email"]
    raw_id_fields = ["user", "source_document"]
    inlines = [DoseEventInline]

    def save_model(self, request, obj, form, change):
        medications.save(obj)  # its reminders follow the schedule, as on the pages

    def delete_model(self, request, obj):
        medications.remove(obj)

    def delete_queryset(self, request, queryset):
        for medication in queryset:
            medications.remove(medication)


@admin.register(DoseEvent)
class DoseEventAdmin(admin.ModelAdmin):
    list_display = ["medication", "scheduled_for", "state", "via", "set_at"]
    list_filter = ["state", "via"]
    search_fields = ["medication__name", "medication__user__email"]
    raw_id_fields = ["medication"]
    date_hierarchy = "scheduled_for"


@admin.register(Vital)
class VitalAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "value2", "unit", "user", "measured_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "note"]
    raw_id_fields = ["user"]
    date_hierarchy = "measured_at"


@admin.register(HealthPreference)
class HealthPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "weight_unit", "glucose_unit", "temperature_unit"]
    raw_id_fields = ["user"]
