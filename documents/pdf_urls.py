from django.urls import path

from . import pdf_views

app_name = "pdfs"

urlpatterns = [
    path("", pdf_views.index, name="index"),
    path("<uuid:pk>/download/", pdf_views.download, name="download"),
    path("appointment/", pdf_views.appointment, name="appointment"),
    path("appointment/questions/<uuid:pk>/remove/", pdf_views.remove_question,
         name="appointment_question_remove"),
]
