"""`Cache-Control: no-store` on everything a signed-in person is served (pages, fragments,
file downloads): on a shared device, Back after signing out, or the browser's disk cache,
must not show the last person's health data. Static files (served by WhiteNoise before this
runs) and anonymous pages keep their own caching."""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # no-store, no-cache, must-revalidate, private
        return response
