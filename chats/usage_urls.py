from django.urls import path

from . import usage_views

app_name = "usage"

urlpatterns = [
    path("", usage_views.usage, name="index"),
]
