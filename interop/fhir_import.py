"""Importing a stream of FHIR R4 resources into a user's record.

`import_resources(record_import, resources, progress=None)` is the one entry point: the FHIR
file reader (interop/fhir_file.py) and the Apple Health and C-CDA converters all hand it
resource dicts (a Bundle of any type is opened here, nested ones too). Each resource is
validated with `fhir.resources` (R4B models), mapped (interop/fhir_mapping.py) and saved with
its import and a stable `source_key`:

    fhir:<resourceType>/<id>:<hash of its content>   (or fhir:<resourceType>#<hash> without id)

The hash leaves out `meta` and the narrative `text`, so the same record exported again by the
same system (a new `meta.lastUpdated`) keeps its key, while two systems that both call their
first observation "1" do not collide. A key already in the record (an earlier import of the
same file, or the same resource twice in one file) is skipped.

Saving goes in chunks, each in its own transaction, so that the page can show the progress
as it goes and the embedded mode's database is not locked for the whole of a large export;
when anything fails midway, everything the import brought so far is deleted again before the
error goes up: a broken file leaves nothing half-imported.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator

from django.db import transaction
from fhir.resources.R4B import get_fhir_model_class

from chats.assistant import context_cache
from labs.catalogue import catalogue
from labs.mentions import touched
from labs.models import LabValue
from memory import medications
from memory.models import Allergy, Condition, Immunization, Medication, MemoryEntry, Vital

from . import fhir_mapping as mapping
from .models import RecordImport

log = logging.getLogger(__name__)

CHUNK = 500
MAX_REASONS = 20
# The models an import writes, by the name its counts use.
TARGETS = {Vital: "vitals", LabValue: "lab_values", Medication: "medications",
           Condition: "conditions", Allergy: "allergies", Immunization: "immunizations",
           MemoryEntry: "reports"}
# Resources that only support others (resolved, not imported on their own).
SUPPORTING = {"Patient", "Practitioner", "PractitionerRole", "Organization", "Location",
              "Encounter", "Medication", "Provenance", "Device", "Specimen", "RelatedPerson",
              "Composition", "DocumentReference", "Binary", "Coverage", "CareTeam"}


def bundle_entries(resource: dict) -> Iterator[dict]:
    """The resources of a Bundle (of any type: collection, searchset, transaction, document…),
    nested Bundles opened; anything else is itself."""
    if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
        for entry in resource.get("entry") or []:
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                yield from bundle_entries(entry["resource"])
    else:
        yield resource


def source_key(resource: dict) -> str:
    content = {key: value for key, value in resource.items() if key not in ("meta", "text")}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str,
                                       ensure_ascii=False).encode()).hexdigest()
    kind = str(resource.get("resourceType"))[:40]
    if resource.get("id"):
        return f"fhir:{kind}/{str(resource['id'])[:64]}:{digest[:16]}"
    return f"fhir:{kind}#{digest[:32]}"


def validate(resource) -> str:
    """"" when the resource is valid FHIR R4, else the reason in a line."""
    if not isinstance(resource, dict) or not resource.get("resourceType"):
        return "not a FHIR resource (no resourceType)"
    try:
        model = get_fhir_model_class(str(resource["resourceType"]))
    except (ValueError, KeyError):
        return f"unknown resource type {str(resource['resourceType'])[:40]!r}"
    try:
        model.model_validate(resource)
    except (ValueError, TypeError) as error:  # pydantic's ValidationError is a ValueError
        details = error.errors() if hasattr(error, "errors") else []
        if details:
            where = ".".join(str(part) for part in details[0].get("loc", ()))
            return f"invalid: {where} {details[0].get('msg', '')}"[:200]
        return f"invalid: {error}"[:200]
    return ""


class Importer:
    def __init__(self, record_import: RecordImport, progress: Callable | None = None,
                 in_file: dict | None = None):
        self.record_import = record_import
        self.in_file = in_file if in_file is not None else {}  # the converter's own figures
        self.user = record_import.user
        self.label = record_import.source_label
        self.progress = progress
        self.known = catalogue()
        self.medications: dict[str, dict] = {}  # Medication resources, for references
        self.halves: dict[str, list] = {}  # blood pressure halves by moment
        self.counts = {"read": 0, "imported": 0, "skipped": 0, "by_type": {}, "reasons": []}
        self.pending: list[tuple[type, str, object]] = []
        self.waiting: list[dict] = []  # medications naming a Medication not read yet
        self.finishing = False

    # --- counting ---
    def skip(self, resource: dict, reason: str) -> None:
        self.counts["skipped"] += 1
        if len(self.counts["reasons"]) < MAX_REASONS:
            kind = str(resource.get("resourceType", "?"))[:40] if isinstance(resource, dict) \
                else "?"
            ident = f"/{str(resource.get('id'))[:64]}" if isinstance(resource, dict) and \
                resource.get("id") else ""
            self.counts["reasons"].append(f"{kind}{ident}: {reason}")

    # --- reading ---
    def read(self, resource) -> None:
        self.counts["read"] += 1
        reason = validate(resource)
        if reason:
            self.skip(resource if isinstance(resource, dict) else {}, reason)
            return
        kind = resource["resourceType"]
        if kind == "Medication" and resource.get("id"):
            self.medications[f"Medication/{resource['id']}"] = resource
            self.medications[str(resource["id"])] = resource
        if kind in ("MedicationStatement", "MedicationRequest") and not self.finishing and \
                mapping.waits_for_medication(resource, self.medications):
            self.waiting.append(resource)  # read again at the end, when it may be known
            return
        if kind in SUPPORTING:
            self.skip(resource, "not a record entry on its own")
            return
        row = self.map(kind, resource)
        if isinstance(row, mapping.Skip):
            self.skip(resource, row.reason)
        elif isinstance(row, mapping.HalfPressure):
            self.add_half(resource, row)
        else:
            self.pending.append((type(row), source_key(resource), row))

    def map(self, kind: str, resource: dict):
        if kind == "Observation":
            return mapping.observation(resource, self.user, self.known, self.label)
        if kind in ("MedicationStatement", "MedicationRequest"):
            return mapping.medication(resource, self.user, self.medications)
        if kind == "Condition":
            return mapping.condition(resource, self.user)
        if kind == "AllergyIntolerance":
            return mapping.allergy(resource, self.user)
        if kind == "Immunization":
            return mapping.immunization(resource, self.user)
        if kind == "DiagnosticReport":
            return mapping.diagnostic_report(resource, self.user)
        return mapping.Skip("not a kind of record Anamnesis imports")

    def add_half(self, resource: dict, half) -> None:
        moment = half.moment.isoformat()
        halves = self.halves.setdefault(moment, [])
        halves.append((half, source_key(resource), resource))
        has_systolic = any(h.systolic is not None for h, _k, _r in halves)
        has_diastolic = any(h.diastolic is not None for h, _k, _r in halves)
        if has_systolic and has_diastolic:
            del self.halves[moment]
            row = mapping.pair_pressure(self.user, [h for h, _k, _r in halves])
            key = "fhir:bp:" + hashlib.sha256(
                "|".join(sorted(k for _h, k, _r in halves)).encode()).hexdigest()[:32]
            if isinstance(row, mapping.Skip):
                self.skip(resource, row.reason)
            else:
                self.pending.append((Vital, key, row))

    def can_pause(self) -> bool:
        """Nothing read waits for a partner that a resumed run would not remember."""
        return not (self.pending or self.halves or self.waiting or self.medications)

    # --- saving ---
    def flush(self) -> None:
        if not self.pending:
            return
        by_model: dict[type, dict[str, object]] = {}
        for model, key, row in self.pending:
            rows = by_model.setdefault(model, {})
            if key in rows:
                self.counts["skipped"] += 1  # the same resource twice in this chunk
                continue
            rows[key] = row
        self.pending = []
        with transaction.atomic():
            for model, rows in by_model.items():
                present = set(model.objects.filter(user=self.user, source_key__in=list(rows))
                              .values_list("source_key", flat=True))
                new = []
                for key, row in rows.items():
                    if key in present:
                        self.counts["skipped"] += 1
                        continue
                    row.source_import = self.record_import
                    row.source_key = key
                    new.append(row)
                model.objects.bulk_create(new, ignore_conflicts=True)
                name = TARGETS[model]
                self.counts["imported"] += len(new)
                self.counts["by_type"][name] = self.counts["by_type"].get(name, 0) + len(new)
        self.report()

    def report(self) -> None:
        # Records the converter left out (steps, sleep, a reading held by its correlation)
        # never become resources: kept beside the counts, so the page shows them skipped.
        self.counts["file_skipped"] = self.in_file.get("skipped", 0)
        RecordImport.objects.filter(pk=self.record_import.pk).update(counts=self.counts)
        self.record_import.counts = self.counts
        if self.progress:
            self.progress(self.counts)

    def finish(self) -> None:
        self.finishing = True
        for resource in self.waiting:
            self.counts["read"] -= 1  # counted when first read
            self.read(resource)
        self.waiting = []
        for halves in self.halves.values():
            for _half, _key, resource in halves:
                self.skip(resource, "blood pressure without both systolic and diastolic")
        self.halves = {}
        self.flush()
        self.report()
        if self.counts["by_type"].get("lab_values"):
            touched(self.user.pk)
        if self.counts["imported"]:
            context_cache.changed(self.user)  # bulk_create sends no signals


def import_resources(record_import: RecordImport, resources: Iterable[dict], *,
                     progress: Callable | None = None, until: float | None = None,
                     in_file: dict | None = None) -> dict:
    """Imports every resource of `resources` (Bundles opened) into the import's user's
    record; returns the counts {"read", "imported", "skipped", "by_type", "reasons"}, also
    kept on the import as it goes. On any error what this import brought is removed again
    and the error goes up.

    Resumable: past `until` (a time.monotonic() figure) it stops at the next saved chunk
    where nothing waits for a partner (a blood pressure half, a medication's Medication)
    and returns the counts with "resume_at", the resources consumed so far; called again
    on the same stream with the import's counts, it skips those and goes on. `in_file`:
    the converter's progress figures (a dict it keeps up to date), whose "skipped" is kept
    as the counts' "file_skipped"."""
    importer = Importer(record_import, progress, in_file)
    resume_at = int(record_import.counts.get("resume_at") or 0)
    if resume_at:
        importer.counts = {**importer.counts, **record_import.counts}
        importer.counts.pop("resume_at")
    consumed = 0
    try:
        for item in resources:
            for resource in bundle_entries(item):
                consumed += 1
                if consumed <= resume_at:
                    continue
                importer.read(resource)
                if len(importer.pending) >= CHUNK:
                    importer.flush()
                    if until is not None and time.monotonic() > until and importer.can_pause():
                        importer.counts["resume_at"] = consumed
                        importer.report()
                        return importer.counts
            if importer.counts["read"] % CHUNK == 0:
                importer.report()
        importer.finish()
    except BaseException:
        undo(record_import)
        raise
    return importer.counts


def undo(record_import: RecordImport) -> dict[str, int]:
    """Deletes everything the import brought; returns how many of each."""
    removed = {}
    with transaction.atomic():
        # A medication the user gave a schedule since: its reminders go with it.
        for medication in Medication.objects.filter(
                user=record_import.user, source_import=record_import, is_active=True) \
                .exclude(schedule=Medication.Schedule.AS_NEEDED):
            medications.remove(medication)
        for model, name in TARGETS.items():
            _count, by_model = model.objects.filter(user=record_import.user,
                                                    source_import=record_import).delete()
            if by_model.get(model._meta.label):
                removed[name] = by_model[model._meta.label]
    if removed.get("lab_values"):
        touched(record_import.user_id)
    context_cache.changed(record_import.user_id)
    return removed
