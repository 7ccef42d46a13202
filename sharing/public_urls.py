from django.urls import path

from . import public_views

app_name = "shared"

urlpatterns = [
    path("<str:token>/", public_views.page, name="page"),
    path("<str:token>/pdf/", public_views.pdf, name="pdf"),
    path("<str:token>/documents/<uuid:pk>/", public_views.document, name="document"),
]
