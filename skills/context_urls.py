from django.urls import path

from config.views import coming_soon

app_name = "context"

urlpatterns = [
    path("", coming_soon, {"section": "context"}, name="edit"),
]
