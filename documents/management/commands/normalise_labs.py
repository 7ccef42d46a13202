"""Normalises every document's lab values again from its stored facts (no OCR, no model):
after the analyte catalogue was extended in the admin, for instance."""

from django.core.management.base import BaseCommand

from documents.lab_values import normalise_all


class Command(BaseCommand):
    help = "Normalise the lab values of every document from its stored facts."

    def handle(self, *args, **options):
        self.stdout.write(f"{normalise_all()} documents normalised.")
