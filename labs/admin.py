"""The analyte catalogue in the admin: an administrator adds analytes, the names labs
print and the conversions pint cannot make; the users' values, read-only in shape."""

from django.contrib import admin

from .models import Analyte, AnalyteName, AnalyteUnit, LabValue


class AnalyteNameInline(admin.TabularInline):
    model = AnalyteName
    extra = 1


class AnalyteUnitInline(admin.TabularInline):
    model = AnalyteUnit
    extra = 0


@admin.register(Analyte)
class AnalyteAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ru", "code", "category", "unit", "conventional_unit",
                    "molar_mass"]
    list_filter = ["category"]
    search_fields = ["name_en", "name_ru", "code", "names__name"]
    inlines = [AnalyteNameInline, AnalyteUnitInline]


@admin.register(LabValue)
class LabValueAdmin(admin.ModelAdmin):
    list_display = ["name", "printed_value", "printed_unit", "analyte", "date", "user"]
    list_filter = ["analyte__category"]
    search_fields = ["name", "user__email"]
    raw_id_fields = ["user", "analyte", "source_document"]
