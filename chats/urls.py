from django.urls import path

from . import views

app_name = "chats"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/rename/", views.rename, name="rename"),
    path("<uuid:pk>/archive/", views.archive, name="archive"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
]
