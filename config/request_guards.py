"""Requests no page of the site can answer, refused before any view or id lookup runs.

- Only GET, HEAD, POST and OPTIONS: the views are plain functions that read POST or else
  render, so a PUT, PATCH or DELETE was answered as if it were a GET. Nothing here (htmx
  included) sends those methods: 405.
- No NUL in the query string: PostgreSQL cannot take one in a text parameter, so a search
  box given `?q=%00` was a 500. Forms refuse a NUL in posted fields themselves: 400.
"""

from django.core.exceptions import BadRequest
from django.http import HttpResponseNotAllowed

ALLOWED = ("GET", "HEAD", "POST", "OPTIONS")


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ALLOWED:
            return HttpResponseNotAllowed(ALLOWED)
        if any("\x00" in key or any("\x00" in value for value in values)
               for key, values in request.GET.lists()):
            raise BadRequest("NUL in the query string")
        return self.get_response(request)
