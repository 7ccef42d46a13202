from django.urls import path

from config.views import coming_soon

app_name = "telegram"

urlpatterns = [
    path("", coming_soon, {"section": "telegram"}, name="link"),
]
