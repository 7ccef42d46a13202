from django.apps import AppConfig
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    name = "labs"
    verbose_name = _("Lab values")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .models import Analyte, AnalyteName, AnalyteUnit

        # An administrator's change to the catalogue reaches every process's copy of it.
        for model in (Analyte, AnalyteName, AnalyteUnit):
            for signal in (post_save, post_delete):
                signal.connect(_changed, sender=model,
                               dispatch_uid=f"labs-{model.__name__}-{id(signal)}")
        # A flushed database (`manage.py flush`, transactional tests) gets its catalogue
        # back, as contenttypes get theirs.
        post_migrate.connect(_restore, sender=self, dispatch_uid="labs-restore-catalogue")
        # A restore loads the catalogue of the backup (with an administrator's additions):
        # the one the flush put back goes first; a backup without one gets this version's.
        from accounts import backup

        backup.on_flush_rows(_clear)
        backup.on_restore(_restore)


def _clear():
    from .models import Analyte

    Analyte.objects.all().delete()  # its names and units go with it


def _changed(**kwargs):
    from .catalogue import changed

    changed()


def _restore(using="default", **kwargs):
    from .catalogue import changed
    from .install import install
    from .models import Analyte, AnalyteName, AnalyteUnit

    try:
        empty = not Analyte.objects.using(using).exists()
    except DatabaseError:  # the labs tables unapplied (a migration test went back)
        return
    if empty:
        install(Analyte, AnalyteName, AnalyteUnit)
    changed()
