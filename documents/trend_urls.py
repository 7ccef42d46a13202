"""The lab trends page. config/urls.py mounts it at /memory/trends/ (it reads as part of
the health record), but the values come from the lab record of labs and documents."""

from django.urls import path

from .trend_views import match, trends

app_name = "trends"

urlpatterns = [
    path("", trends, name="index"),
    path("values/<uuid:pk>/match/", match, name="match"),
]
