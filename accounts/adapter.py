"""allauth glue: sign-up follows the runtime setting; users keep their chosen language;
the client's address is read behind trusted proxies."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from constance import config
from django.core.exceptions import PermissionDenied
from django.utils import translation

from accounts import proxies


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return bool(config.self_registration_enabled)

    def save_user(self, request, user, form, commit=True):
        language = translation.get_language() or "en"
        user.language = "ru" if language.startswith("ru") else "en"
        return super().save_user(request, user, form, commit=commit)

    def get_client_ip(self, request):
        """Behind TRUSTED_PROXY_COUNT proxies (rate limits, the sessions page, the switcher);
        allauth's own would answer a 500 to a request with too short an X-Forwarded-For."""
        ip = proxies.client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return bool(config.self_registration_enabled)

    def pre_social_login(self, request, sociallogin):
        # Started from the account switcher: add the account instead of replacing this one.
        from . import switch_providers

        switch_providers.complete(request, sociallogin)
