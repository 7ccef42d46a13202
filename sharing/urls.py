from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:pk>/revoke/", views.revoke, name="revoke"),
]
