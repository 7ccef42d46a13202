"""Only the methods the site speaks: a page or form answers GET, HEAD, POST and OPTIONS.

The views are plain functions that read POST or else render; without this, a PUT, PATCH
or DELETE to one of them was answered as if it were a GET. Nothing here (htmx included)
sends those methods, so they get a 405 before any view or id lookup runs."""

from django.http import HttpResponseNotAllowed

ALLOWED = ("GET", "HEAD", "POST", "OPTIONS")


class AllowedMethodsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ALLOWED:
            return HttpResponseNotAllowed(ALLOWED)
        return self.get_response(request)
