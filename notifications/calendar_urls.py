from django.urls import path

from . import device_views

app_name = "calendar"

urlpatterns = [
    path("<str:token>.ics", device_views.calendar, name="feed"),
]
