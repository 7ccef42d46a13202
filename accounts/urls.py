from django.urls import path

from . import data_views, session_views, views

app_name = "settings"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("export/", data_views.export_page, name="export"),
    path("export/<uuid:pk>/download/", data_views.export_download, name="export_download"),
    path("delete/", data_views.delete_page, name="delete"),
    path("delete/prove/", data_views.delete_prove, name="delete_prove"),
    path("sessions/<str:key>/end/", session_views.end_session, name="end_session"),
]
