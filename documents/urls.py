from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/facts/", views.correct_facts, name="facts"),
    path("<uuid:pk>/preview/", views.preview, name="preview"),
    path("<uuid:pk>/download/", views.download, name="download"),
    path("<uuid:pk>/reindex/", views.reindex, name="reindex"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
]
