from django.urls import path

from . import action_views, views

app_name = "chats"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/rename/", views.rename, name="rename"),
    path("<uuid:pk>/archive/", views.archive, name="archive"),
    path("<uuid:pk>/delete/", views.delete, name="delete"),
    path("<uuid:pk>/regenerate/", views.regenerate, name="regenerate"),
    path("<uuid:pk>/messages/<uuid:message>/edit/", views.edit_question, name="edit"),
    path("<uuid:pk>/messages/<uuid:message>/switch/", views.switch_version,
         name="switch_version"),
    path("<uuid:pk>/attachments/", views.attach, name="attach"),
    path("<uuid:pk>/export.md", views.export_markdown, name="export_md"),
    path("<uuid:pk>/export.pdf", views.export_pdf, name="export_pdf"),
    path("actions/<uuid:pk>/confirm/", action_views.confirm, name="action_confirm"),
    path("actions/<uuid:pk>/cancel/", action_views.cancel, name="action_cancel"),
    path("actions/<uuid:pk>/undo/", action_views.undo, name="action_undo"),
]
