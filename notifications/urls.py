from django.urls import path

from config.views import coming_soon

app_name = "notifications"

urlpatterns = [
    path("", coming_soon, {"section": "notifications"}, name="index"),
]
