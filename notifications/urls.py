from django.urls import path

from . import device_views, dose_views, views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("push/subscribe/", device_views.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe/", device_views.push_unsubscribe, name="push_unsubscribe"),
    path("push/action/", device_views.push_action, name="push_action"),
    path("calendar/", device_views.calendar_change, name="calendar_change"),
    path("<uuid:pk>/read/", views.read, name="read"),
    path("<uuid:pk>/done/", views.done, name="done"),
    path("<uuid:pk>/edit/", views.edit, name="edit"),
    path("<uuid:pk>/cancel/", views.cancel, name="cancel"),
    # A medication's dose reminder: Taken / Skip / Snooze in the app, one-click email links.
    path("<uuid:pk>/dose/<str:action>/", dose_views.answer_reminder, name="dose_answer"),
    path("doses/<str:token>/", dose_views.answer_link, name="dose_link"),
]
