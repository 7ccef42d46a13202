from django.urls import path

from config.views import coming_soon

app_name = "memory"

urlpatterns = [
    path("", coming_soon, {"section": "memory"}, name="index"),
    path("trends/", coming_soon, {"section": "trends"}, name="trends"),
]
