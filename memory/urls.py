from django.urls import path

from config.views import coming_soon
from documents.trend_views import trends

app_name = "memory"

urlpatterns = [
    path("", coming_soon, {"section": "memory"}, name="index"),
    # Lab trends live under /memory/ but are drawn from documents' extracted values.
    path("trends/", trends, name="trends"),
]
