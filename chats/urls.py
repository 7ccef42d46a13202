from django.urls import path

from config.views import coming_soon

app_name = "chats"

urlpatterns = [
    path("", coming_soon, {"section": "chats"}, name="index"),
    path("<uuid:pk>/", coming_soon, {"section": "chats"}, name="detail"),
]
