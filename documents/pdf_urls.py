from django.urls import path

from config.views import coming_soon

app_name = "pdfs"

urlpatterns = [
    path("", coming_soon, {"section": "pdfs"}, name="index"),
]
