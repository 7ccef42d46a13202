from django.urls import path

from documents.trend_views import trends

from . import views

app_name = "memory"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/edit/", views.edit, name="edit"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
    # Lab trends live under /memory/ but are drawn from documents' extracted values.
    path("trends/", trends, name="trends"),
]
