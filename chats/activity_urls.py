"""/settings/activity/: what the assistant wrote or proposed (mounted from config/urls.py)."""

from django.urls import path

from . import action_views

app_name = "activity"

urlpatterns = [
    path("", action_views.activity, name="index"),
]
