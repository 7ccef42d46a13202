"""allauth glue: sign-up follows the runtime setting; users keep their chosen language."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from constance import config
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return bool(config.self_registration_enabled)

    def save_user(self, request, user, form, commit=True):
        language = translation.get_language() or "en"
        user.language = "ru" if language.startswith("ru") else "en"
        return super().save_user(request, user, form, commit=commit)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return bool(config.self_registration_enabled)
