from django.urls import path

from . import views

app_name = "telegram"

urlpatterns = [
    path("", views.telegram_link, name="link"),
]
