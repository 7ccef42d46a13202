from django.urls import path

from . import views

app_name = "context"

urlpatterns = [
    path("", views.context_edit, name="edit"),
]
