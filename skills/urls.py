from django.urls import path

from config.views import coming_soon

app_name = "skills"

urlpatterns = [
    path("", coming_soon, {"section": "skills"}, name="index"),
]
