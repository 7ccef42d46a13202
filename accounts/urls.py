from django.urls import path

from config.views import coming_soon

from . import views

app_name = "settings"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("export/", coming_soon, {"section": "export"}, name="export"),
    path("delete/", coming_soon, {"section": "delete"}, name="delete"),
]
