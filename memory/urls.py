from django.urls import path

from . import clinical_views, medication_views, timeline_views, views, vital_views

app_name = "memory"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/edit/", views.edit, name="edit"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
    path("medications/", medication_views.index, name="medications"),
    path("medications/new/", medication_views.new, name="medication_new"),
    path("medications/<uuid:pk>/", medication_views.detail, name="medication"),
    path("medications/<uuid:pk>/stop/", medication_views.stop, name="medication_stop"),
    path("medications/<uuid:pk>/doses/", medication_views.record_dose, name="dose_record"),
    path("medications/<uuid:pk>/stock/", medication_views.count_stock, name="stock_count"),
    path("vitals/", vital_views.index, name="vitals"),
    path("vitals/units/", vital_views.units, name="vital_units"),
    path("vitals/<uuid:pk>/edit/", vital_views.edit, name="vital_edit"),
    path("vitals/lab-units/", vital_views.lab_units, name="lab_units"),
    path("vitals/<uuid:pk>/delete/", vital_views.delete, name="vital_delete"),
    path("timeline/", timeline_views.timeline, name="timeline"),
    path("conditions/", clinical_views.index, {"kind": "conditions"}, name="conditions"),
    path("conditions/<uuid:pk>/edit/", clinical_views.edit, {"kind": "conditions"},
         name="condition_edit"),
    path("conditions/<uuid:pk>/delete/", clinical_views.delete, {"kind": "conditions"},
         name="condition_delete"),
    path("allergies/", clinical_views.index, {"kind": "allergies"}, name="allergies"),
    path("allergies/<uuid:pk>/edit/", clinical_views.edit, {"kind": "allergies"},
         name="allergy_edit"),
    path("allergies/<uuid:pk>/delete/", clinical_views.delete, {"kind": "allergies"},
         name="allergy_delete"),
    path("immunizations/", clinical_views.index, {"kind": "immunizations"}, name="immunizations"),
    path("immunizations/<uuid:pk>/edit/", clinical_views.edit, {"kind": "immunizations"},
         name="immunization_edit"),
    path("immunizations/<uuid:pk>/delete/", clinical_views.delete, {"kind": "immunizations"},
         name="immunization_delete"),
]
