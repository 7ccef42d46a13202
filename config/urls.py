from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as account_views

from . import pwa, views

admin.site.site_header = _("Anamnesis administration")
admin.site.site_title = "Anamnesis"
admin.site.index_title = _("Instance settings and users")

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("favicon.ico", pwa.favicon, name="favicon"),
    path("offline/", pwa.offline, name="offline"),
    path("calendar/", include("notifications.calendar_urls")),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/switch/", include("accounts.switch_urls")),
    path("accounts/", include("allauth.urls")),
    path("settings/context/", include("skills.context_urls")),
    path("settings/telegram/", include("telegram_bot.urls")),
    path("settings/activity/", include("chats.activity_urls")),
    path("settings/usage/", include("chats.usage_urls")),
    path("settings/", include("accounts.urls")),
    path("chats/", include("chats.urls")),
    path("documents/", include("documents.urls")),
    path("pdfs/", include("documents.pdf_urls")),
    # Lab trends sit under /memory/ but are drawn from documents' extracted values: the
    # documents app serves them, included before memory's own pages.
    path("memory/trends/", include("documents.trend_urls")),
    path("memory/", include("memory.urls")),
    path("import/", include("interop.urls")),
    path("export/", include("interop.export_urls")),
    path("skills/", include("skills.urls")),
    path("notifications/", include("notifications.urls")),
    path("share/", include("sharing.urls")),
    # A share link for a doctor, opened without an account (sharing/public_views.py).
    path("s/", include("sharing.public_urls")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
