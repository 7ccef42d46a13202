from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("<uuid:pk>/read/", views.read, name="read"),
    path("<uuid:pk>/done/", views.done, name="done"),
    path("<uuid:pk>/cancel/", views.cancel, name="cancel"),
]
