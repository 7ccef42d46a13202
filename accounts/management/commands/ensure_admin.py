"""Create the administrator from ADMIN_EMAIL and ADMIN_PASSWORD; safe to run again."""

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

    def _verify_email(self, user):
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
