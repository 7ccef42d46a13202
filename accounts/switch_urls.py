from django.urls import path

from config.views import coming_soon

app_name = "switch"

urlpatterns = [
    path("", coming_soon, {"section": "switch"}, name="index"),
]
