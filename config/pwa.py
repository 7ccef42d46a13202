"""The installable app: the web app manifest, the service worker (served from the root so
its scope is the whole site) and the page it shows when the network is down."""

import hashlib
import json
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOR = "#0f766e"
BACKGROUND_COLOR = "#ffffff"
# What the worker keeps for offline use: the shell's assets, never a page with health data.
SHELL = [
    "css/app.css", "js/theme.js", "js/app.js", "js/pwa.js", "vendor/htmx.min.js",
    "vendor/basecoat.min.js", "notifications/bell.js", "img/favicon.svg",
    "img/icons/icon-192.png", "img/icons/icon-512.png", "img/icons/maskable-512.png",
]


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    icons = [
        {"src": static("img/icons/icon-192.png"), "sizes": "192x192", "type": "image/png",
         "purpose": "any"},
        {"src": static("img/icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
         "purpose": "any"},
        {"src": static("img/icons/maskable-512.png"), "sizes": "512x512", "type": "image/png",
         "purpose": "maskable"},
    ]
    body = {
        "id": "/",
        "name": "Anamnesis",
        "short_name": "Anamnesis",
        "description": _("Your personal health assistant."),
        "lang": request.LANGUAGE_CODE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False),
                        content_type="application/manifest+json")


@cache
def _version() -> str:
    """Changes whenever a precached asset or the worker changes, so browsers update."""
    digest = hashlib.sha256()
    for name in SHELL:
        path = finders.find(name)
        if path:
            with open(path, "rb") as file:
                digest.update(file.read())
    return digest.hexdigest()[:16]


@require_GET
@cache_control(max_age=86400)
def favicon(request):
    """/favicon.ico, asked for by browsers and tools that do not read the page's links."""
    with open(finders.find("img/icons/favicon.ico"), "rb") as icon:
        return HttpResponse(icon.read(), content_type="image/vnd.microsoft.icon")


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    body = render_to_string("pwa/sw.js", {
        "version": _version(),
        "shell": json.dumps([static(name) for name in SHELL]),
        "offline_url": json.dumps(reverse("offline")),
        "static_prefix": json.dumps(static("")),
    })
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request):
    return render(request, "offline.html")
