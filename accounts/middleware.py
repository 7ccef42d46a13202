"""Activates the signed-in user's language and timezone for the request."""

from django.utils import timezone, translation


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            translation.activate(user.language_code)
            request.LANGUAGE_CODE = user.language_code
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
