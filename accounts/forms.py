"""Forms of the accounts app: profile, signing in another account, confirming an erase."""

from allauth.core import ratelimit
from allauth.mfa.base.forms import BaseAuthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from .models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language", "timezone"]


class AddAccountForm(forms.Form):
    """Email and password of another account, checked as a real sign-in (rate limited)."""

    login = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email, password = cleaned.get("login"), cleaned.get("password")
        if not email or not password:
            return cleaned
        key = email.lower()
        if not ratelimit.consume(self.request, action="login_failed", key=key, dry_run=True):
            raise forms.ValidationError(
                _("Too many failed sign-in attempts. Please try again in a few minutes.")
            )
        user = authenticate(self.request, username=key, password=password)
        if user is None:
            ratelimit.consume(self.request, action="login_failed", key=key)
            raise forms.ValidationError(_("The email address and/or password are not correct."))
        ratelimit.clear(self.request, action="login_failed", key=key)
        if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory" and not user.emailaddress_set.filter(
            verified=True
        ).exists():
            raise forms.ValidationError(
                _("This account's email address is not verified yet. Sign in to it once first.")
            )
        self.user = user
        return cleaned


class SecondFactorForm(BaseAuthenticateForm):
    """A code from the authenticator app, or a recovery code (allauth.mfa checks both)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Authentication code")
        self.fields["code"].help_text = _("From your authenticator app, or a recovery code.")


class EraseForm(forms.Form):
    """The password, and the second factor when the account has one, before erasing.
    An account without a password (signed in through a provider) types its email instead,
    after a fresh sign-in through its provider unless its second factor proves it."""

    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    email = forms.CharField(
        label=_("Your email address"),
        help_text=_("Your account has no password: type its email address to confirm."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("Authentication code"), required=False,
        help_text=_("From your authenticator app, or a recovery code."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, user, proven=False, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.by_email = not user.has_usable_password()
        del self.fields["password" if self.by_email else "email"]
        self.needs_code = is_mfa_enabled(user)
        if not self.needs_code:
            del self.fields["code"]
        # Neither a password nor a second factor: a fresh sign-in through its provider
        # (accounts/provider_proof.py) proves it is the owner, not whoever found it open.
        self.needs_proof = self.by_email and not self.needs_code
        self.proven = proven

    def clean(self):
        cleaned = super().clean()
        if self.needs_proof and not self.proven:
            raise forms.ValidationError(
                _("Confirm it is you by signing in with your provider again first."))
        return cleaned

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.casefold() != self.user.email.casefold():
            raise forms.ValidationError(_("This is not the email address of this account."))
        return email

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password

    def clean_code(self):
        code = self.cleaned_data.get("code", "")
        if not code:
            raise forms.ValidationError(_("Enter the code from your authenticator app."))
        check = BaseAuthenticateForm(data={"code": code}, user=self.user)
        if not check.is_valid():
            raise forms.ValidationError(check.errors["code"])
        return code
