from django.urls import path

from . import views

app_name = "interop_export"

urlpatterns = [
    path("fhir/", views.export_fhir, name="fhir"),
]
