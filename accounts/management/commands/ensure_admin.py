"""Create the administrator from ADMIN_EMAIL and ADMIN_PASSWORD; safe to run again.

An account that already has the address but never verified it is left as it is: anyone
can sign up with an address, and promoting that account would hand the instance to
whoever did (issue 22). The command says so; the administrator verifies or deletes it."""

import os

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User


class Command(BaseCommand):
    help = "Create or update the administrator named by ADMIN_EMAIL / ADMIN_PASSWORD."

    def handle(self, *args, **options):
        email = os.environ.get("ADMIN_EMAIL", "").strip().lower()
        password = os.environ.get("ADMIN_PASSWORD", "")
        if not email and not password:
            self.stdout.write("ADMIN_EMAIL and ADMIN_PASSWORD are not set: no admin created.")
            return
        if not email or not password:
            raise CommandError("Set both ADMIN_EMAIL and ADMIN_PASSWORD.")

        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_superuser(email=email, password=password)
            self._verify_email(user)
            self.stdout.write(self.style.SUCCESS(f"Created the administrator {email}."))
            return
        if not self._is_verified(user, email):
            self.stderr.write(self.style.WARNING(
                f"An account {email} exists but has not verified its address: it was left as "
                "it is, not made the administrator. Verify the address (sign in and confirm "
                "it, or mark it verified in the admin) or delete the account, then run "
                "ensure_admin again."))
            return
        changed = []
        if user.role != User.Role.ADMIN or not user.is_active:
            user.role, user.is_active = User.Role.ADMIN, True
            changed.append("role")
        if not user.check_password(password):
            user.set_password(password)
            changed.append("password")
        if changed:
            user.save()
            self.stdout.write(f"Updated the administrator {email} ({', '.join(changed)}).")
        else:
            self.stdout.write(f"The administrator {email} is already set up.")
        self._verify_email(user)

    @staticmethod
    def _is_verified(user, email) -> bool:
        from allauth.account.models import EmailAddress

        return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()

    def _verify_email(self, user):
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
