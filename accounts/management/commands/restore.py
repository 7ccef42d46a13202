"""`manage.py restore PATH`: a backup into an empty instance (migrates it first)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.backup import RestoreError, restore


class Command(BaseCommand):
    help = "Restores a backup made by `manage.py backup` into an empty instance."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .tar.gz written by `manage.py backup`.")
        parser.add_argument("--force", action="store_true",
                            help="Replace the rows and files of an instance that is not empty.")

    def handle(self, *args, path, force=False, **options):
        try:
            result = restore(path, force=force)
        except (RestoreError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {result['objects']} rows and {result['restored_files']} files "
            f"(backup of {result['created']}). Restart the web server, worker and bot."
        )
