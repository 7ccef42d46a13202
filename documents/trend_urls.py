"""The lab trends page. config/urls.py mounts it at /memory/trends/ (it reads as part of
the health memory) while the documents app, whose extracted values it draws, serves it."""

from django.urls import path

from .trend_views import trends

app_name = "trends"

urlpatterns = [
    path("", trends, name="index"),
]
