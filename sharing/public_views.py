"""The shared page, opened without an account: the token in the address is the key.

Every answer here is private to its visitor: `Cache-Control: no-store`,
`Referrer-Policy: same-origin` (the address must not leak to another site through a
link or a resource; the page's own passcode form still carries its origin, so Django's
CSRF check applies as everywhere), `X-Robots-Tag: noindex`. Refusals are rendered here, not raised,
so that they carry the same headers. The token never reaches the logs: Django logs a
4xx with its path, and accounts/log_redaction.py masks `/s/<token>`."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_http_methods, require_safe

from accounts.locale import zone_of
from accounts.proxies import client_ip

from . import content as shared_content
from . import guesses, links
from .forms import PasscodeForm
from .models import ShareLink, ShareOpening
from .pdf import render_pdf

COOKIE_SALT = "sharing.unlocked"


def private(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return login_not_required(wrapped)


def language_for(request, link: ShareLink) -> str:
    """The language asked for (?lang=), else the visitor's browser's, else the owner's."""
    supported = dict(settings.LANGUAGES)
    asked = request.GET.get("lang", "")
    if asked in supported:
        return asked
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = code.split("-")[0].lower()
        if base in supported:
            return base
    return link.user.language if link.user.language in supported else settings.LANGUAGE_CODE


def _refusal(request, status, title, message):
    return render(request, "sharing/refused.html", {
        "status": status, "title": title, "message": message}, status=status)


def _open(request, token):
    """(link, None) for a link that opens; (None, the refusal) otherwise."""
    link = links.find(token)
    if link is None:
        return None, _refusal(request, 404, _("No such link"),
                              _("Check the address, or ask for a new link."))
    state = link.state()
    if state == ShareLink.State.REVOKED or not link.user.is_active:
        return None, _refusal(request, 410, _("This link was revoked"),
                              _("The person who shared it closed it. Ask them for a new link."))
    if state == ShareLink.State.EXPIRED:
        return None, _refusal(request, 410, _("This link has expired"),
                              _("It was open for a limited time. Ask for a new link."))
    return link, None


def _cookie_name(link) -> str:
    return f"share_{link.pk.hex[:16]}"


def unlocked(request, link) -> bool:
    if not link.has_passcode:
        return True
    value = request.get_signed_cookie(_cookie_name(link), default=None, salt=COOKIE_SALT)
    return value == link.pk.hex


def _with_language(request, url: str, language: str) -> str:
    return f"{url}?lang={language}" if "lang" in request.GET else url


def _passcode(request, token, link, language):
    form = PasscodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        ip = client_ip(request)
        if guesses.blocked(link, ip):
            return _refusal(request, 429, _("Too many tries"),
                            _("The passcode was entered wrongly too many times. "
                              "Try again in an hour."))
        if form.is_valid() and links.passcode_matches(link, form.cleaned_data["passcode"]):
            response = redirect(_with_language(
                request, reverse("shared:page", args=[token]), language))
            response.set_signed_cookie(
                _cookie_name(link), link.pk.hex, salt=COOKIE_SALT, path="/s/",
                max_age=max(int((link.expires - timezone.now()).total_seconds()), 1),
                secure=request.is_secure(), httponly=True, samesite="Lax")
            return response
        if form.is_valid():
            guesses.wrong(link, ip)
            form.add_error("passcode", _("That is not the passcode."))
        status = 403
    return render(request, "sharing/passcode.html", {
        "form": form, "link": link, "language": language, "token": token,
        "languages": settings.LANGUAGES}, status=status)


@private
@require_http_methods(["GET", "HEAD", "POST"])
def page(request, token):
    link, refused = _open(request, token)
    if refused:
        return refused
    language = language_for(request, link)
    with translation.override(language), timezone.override(zone_of(link.user)):
        if not unlocked(request, link):
            return _passcode(request, token, link, language)
        if request.method == "POST":  # nothing to post once open
            return redirect(_with_language(request, request.path, language))
        links.log_opening(link, request, ShareOpening.Kind.PAGE)
        return render(request, "sharing/shared.html", {
            "shared": shared_content.shared(link), "language": language, "token": token,
            "languages": settings.LANGUAGES})


@private
@require_safe
def pdf(request, token):
    link, refused = _open(request, token)
    if refused:
        return refused
    language = language_for(request, link)
    if not unlocked(request, link):
        return redirect(_with_language(request, reverse("shared:page", args=[token]),
                                       language))
    with translation.override(language), timezone.override(zone_of(link.user)):
        title = _("Health record")
        data = render_pdf(shared_content.shared(link), title)
    links.log_opening(link, request, ShareOpening.Kind.PDF)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="health-record.pdf"'
    return response


@private
@require_safe
def document(request, token, pk):
    link, refused = _open(request, token)
    if refused:
        return refused
    if not unlocked(request, link):
        return redirect(reverse("shared:page", args=[token]))
    found = shared_content.document(link, pk)
    if found is None:
        with translation.override(language_for(request, link)):
            return _refusal(request, 404, _("No such document"),
                            _("This link does not share that document."))
    links.log_opening(link, request, ShareOpening.Kind.DOCUMENT, found.filename)
    content_type = found.mime_type
    if content_type == "text/plain":
        content_type = "text/plain; charset=utf-8"
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.filename,
                        content_type=content_type)
