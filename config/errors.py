"""Error pages in the app's own look, in the user's language."""

from django.shortcuts import render


def _error(request, status, title, message):
    return render(
        request, "error.html", {"status": status, "title": title, "message": message},
        status=status,
    )


def bad_request(request, exception=None):
    from django.utils.translation import gettext as _

    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request, exception=None):
    from django.utils.translation import gettext as _

    return _error(request, 403, _("Forbidden"), _("You are not allowed to do that."))


def page_not_found(request, exception=None):
    from django.utils.translation import gettext as _

    return _error(request, 404, _("Not found"), _("There is nothing here, or it is not yours."))


def server_error(request):
    from django.utils.translation import gettext as _

    return _error(
        request, 500, _("Something went wrong"),
        _("The error was logged. Nothing you saved is lost; please try again."),
    )
