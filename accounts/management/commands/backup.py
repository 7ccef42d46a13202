"""`manage.py backup [PATH]`: the database and the stored files in one .tar.gz."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.backup import backup


class Command(BaseCommand):
    help = "Writes a backup (database and files) to PATH, by default DATA_DIR/backups/."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="The .tar.gz to write.")

    def handle(self, *args, path=None, **options):
        if path:
            target = Path(path)
        else:
            folder = Path(settings.DATA_DIR) / "backups"
            folder.mkdir(exist_ok=True)
            target = folder / f"anamnesis-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        manifest = backup(target)
        self.stdout.write(
            f"Backup written to {target}: {manifest['objects']} rows, {manifest['files']} files "
            f"({manifest['bytes']} bytes) from {manifest['database']}."
        )
