from django.urls import path

from config.views import coming_soon

app_name = "documents"

urlpatterns = [
    path("", coming_soon, {"section": "documents"}, name="index"),
    path("<uuid:pk>/", coming_soon, {"section": "documents"}, name="detail"),
]
