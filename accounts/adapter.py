"""allauth glue: sign-up is open on a fresh install (the first account becomes the
administrator) and then follows the runtime setting; users keep their chosen language;
the client's address is read behind trusted proxies."""

import base64
import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.core.exceptions import PermissionDenied
from django.utils import translation

from accounts import proxies, registration, runtime_secrets


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return registration.is_open()

    def save_user(self, request, user, form, commit=True):
        language = translation.get_language() or "en"
        user.language = "ru" if language.startswith("ru") else "en"
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            registration.promote_if_first(user)
        return user

    def get_client_ip(self, request):
        """Behind TRUSTED_PROXY_COUNT proxies (rate limits, the sessions page, the switcher);
        allauth's own would answer a 500 to a request with too short an X-Forwarded-For."""
        ip = proxies.client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return registration.is_open()

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        registration.promote_if_first(user)
        return user

    def pre_social_login(self, request, sociallogin):
        # Started from the delete page: a fresh proof for this account, nothing else.
        # Started from the account switcher: add the account instead of replacing this one.
        from . import provider_proof, switch_providers

        provider_proof.complete(request, sociallogin)
        switch_providers.complete(request, sociallogin)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP keys and recovery-code seeds are stored encrypted (a key derived from
    SECRET_KEY), not in clear in `mfa_authenticator.data`; one stored in clear by an older
    version still reads (migration accounts.0006 encrypts those)."""

    def encrypt(self, text: str) -> str:
        return runtime_secrets.encrypt(text, runtime_secrets.TWO_FACTOR)

    def decrypt(self, encrypted_text: str) -> str:
        text = runtime_secrets.decrypt(encrypted_text, runtime_secrets.TWO_FACTOR)
        if encrypted_text and not text:
            # Unreadable (SECRET_KEY changed): a random secret that no code matches —
            # never the empty one, whose recovery codes anyone could compute.
            return base64.b32encode(secrets.token_bytes(20)).decode()
        return text
