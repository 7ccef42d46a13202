"""What the isolation tests need to know about each route, tool and form — and nothing else.

tests/test_isolation_routes.py walks the whole URLconf; every route that takes an object id
must be reachable from here, or the test fails and names this file:

- ROUTE_FACTORIES: the object an id route points at, made for its owner. Looked up by the
  URL's full name ("chats:detail") first, then by the view's module ("chats.views"), so a
  new route in a module already listed needs nothing new — unless its id is of another
  model, in which case the owner gets a 404 and the test says to add a name entry.
  A factory returns the object; for a route with more than one parameter (e.g.
  chats/<uuid:pk>/actions/<uuid:action>/confirm/) it returns (object, {"pk": …,
  "action": …}) — the object being the one a stranger's request must leave unchanged.
- NOT_OBJECT_ROUTES: routes whose parameter is not an object id of a user (a secret key in
  an e-mail link, a provider's name), with the reason.
Admin routes (namespace "admin") are staff-only as a whole and are checked separately.

TOOL_INPUTS (tests/test_isolation_tools.py): for each assistant tool, an input that puts the
owner's object ids and words into every id-like or search field.

FORM_URLS (tests/test_fuzz_forms.py): where each form class of the apps is posted.

Every factory puts MARKER into a text the object shows, so a response that leaks the object
can be told by its body.
"""

import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

MARKER = "Owner-secret-Quokka"


def _chat(user):
    from chats.models import Chat, Message

    chat = Chat.objects.create(user=user, title=f"{MARKER} chat")
    Message.objects.create(chat=chat, role=Message.Role.USER, content=f"{MARKER} said this")
    return chat


def _chat_question(user):
    """A chat and its question, for the routes that name both (edit, switch version)."""
    from chats.models import Message

    chat = _chat(user)
    question = Message.objects.get(chat=chat, role=Message.Role.USER)
    return chat, {"pk": chat.pk, "message": question.pk}


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (20, 20), 255).save(buffer, "PNG")
    return buffer.getvalue()


def _document(user):
    from documents.models import Document

    data = f"{MARKER} cholesterol 6.1 mmol/L".encode()
    document = Document(user=user, filename=f"{MARKER}.txt", mime_type="text/plain",
                        file_size=len(data), sha256=secrets.token_hex(32),
                        status=Document.Status.COMPLETED, extracted_text=data.decode())
    document.file.save("lab.txt", ContentFile(data), save=False)
    document.preview.save("preview.png", ContentFile(_png()), save=False)
    document.save()
    return document


def _generated_pdf(user):
    from documents.models import GeneratedPDF

    report = GeneratedPDF(user=user, title=f"{MARKER} report")
    report.file.save("report.pdf", ContentFile(b"%PDF-1.4\n% " + MARKER.encode()), save=False)
    report.save()
    return report


def _memory_entry(user):
    from memory.models import MemoryEntry

    return MemoryEntry.objects.create(user=user, title=f"{MARKER} asthma",
                                      category=MemoryEntry.Category.CONDITION,
                                      content=f"{MARKER} since childhood")


def _skill(user):
    from skills.models import Skill

    return Skill.objects.create(user=user, name=f"{MARKER} coach",
                                system_prompt=f"{MARKER} prompt")


def _notification(user):
    from notifications.models import Notification

    return Notification.objects.create(user=user, title=f"{MARKER} pills",
                                       status=Notification.Status.SENT, sent_at=timezone.now())


def _pending_notification(user):
    """Only a reminder not yet sent can be cancelled."""
    from notifications.models import Notification

    return Notification.objects.create(user=user, title=f"{MARKER} later",
                                       scheduled_at=timezone.now() + timedelta(days=1))


def _data_export(user):
    from accounts.models import DataExport

    job = DataExport(user=user, status=DataExport.Status.DONE, finished=timezone.now())
    job.file.save("export.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=False)
    job.save()
    return job


def _switch_grant(user):
    from accounts.models import SwitchGrant

    return SwitchGrant.objects.create(user=user, key=secrets.token_urlsafe(32),
                                      auth_hash=user.get_session_auth_hash(),
                                      user_agent=f"{MARKER} browser")


def _user_session(user):
    from allauth.usersessions.models import UserSession

    from accounts.session_views import public_id

    session = UserSession.objects.create(user=user, ip="192.0.2.7",
                                         session_key=secrets.token_hex(16),
                                         user_agent=f"{MARKER} browser")
    return session, {"key": public_id(session)}


def _webauthn_key(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN,
        data={"name": f"{MARKER} key", "credential": {}, "passwordless": False})


def _medication(user):
    from memory.models import Medication

    return Medication.objects.create(user=user, name=f"{MARKER} metformin", dose="500 mg",
                                     schedule=Medication.Schedule.AS_NEEDED)


def _vital(user):
    from memory.models import Vital

    return Vital.objects.create(user=user, kind=Vital.Kind.HEART_RATE, value=61, unit="bpm",
                                measured_at=timezone.now(), note=f"{MARKER} after a run")


def _dose_reminder(user):
    """A medication's reminder, answered through /notifications/<pk>/dose/<action>/."""
    from memory.models import Medication
    from notifications import medication_reminders

    medication = Medication.objects.create(user=user, name=f"{MARKER} metformin",
                                           schedule=Medication.Schedule.TIMES,
                                           times=["08:00"])
    reminder = medication_reminders.sync(medication)[0]
    return reminder, {"pk": reminder.pk, "action": "taken"}


def _lab_value(user):
    """A normalised lab value (labs.LabValue) whose printed name carries the marker."""
    from labs.records import rows

    (value,) = rows(user, [{"analyte": f"{MARKER} cholesterol", "value": 6.1,
                            "unit": "mmol/L"}], date=timezone.localdate(), source=MARKER)
    value.save()
    return value


def _appointment_question(user):
    from documents.models import AppointmentQuestion

    return AppointmentQuestion.objects.create(user=user, text=f"{MARKER} ask about iron?")


def _condition(user):
    from memory.models import Condition

    return Condition.objects.create(user=user, name=f"{MARKER} asthma", note=MARKER)


def _allergy(user):
    from memory.models import Allergy

    return Allergy.objects.create(user=user, substance=f"{MARKER} penicillin", note=MARKER)


def _immunization(user):
    from memory.models import Immunization

    return Immunization.objects.create(user=user, vaccine=f"{MARKER} tetanus", note=MARKER)


def _record_import(user):
    """A finished import with a condition it brought."""
    from interop.models import RecordImport
    from memory.models import Condition

    record_import = RecordImport.objects.create(
        user=user, file_name=f"{MARKER}.json", kind="fhir", status="done",
        counts={"read": 1, "imported": 1, "skipped": 0, "by_type": {"conditions": 1}})
    Condition.objects.create(user=user, name=f"{MARKER} gout", source_import=record_import,
                             source_key=f"fhir:Condition/{secrets.token_hex(8)}",
                             created_by="import")
    return record_import


def _proposed_action(user):
    """Something the assistant proposed (a critical memory entry), waiting for the owner."""
    from chats import actions

    return actions.propose(user, "memory.save", {
        "title": f"{MARKER} allergy", "category": "allergy", "content": f"{MARKER} penicillin",
        "importance": "critical",
    }, summary=f"{MARKER} allergy")


def _share_link(user):
    """A share link for a doctor, with an opening logged; the owner's page lists it."""
    from sharing import links
    from sharing.models import ShareOpening

    link, _token = links.create(user, duration=timedelta(days=1), label=f"{MARKER} doctor")
    ShareOpening.objects.create(link=link, user_agent=f"{MARKER} browser")
    return link


class _SharedAddress:
    """The public address of a share link: its token stands where an id would ({pk})."""

    def __init__(self, user):
        from sharing import links

        _link, self.pk = links.create(user, duration=timedelta(days=1), passcode="123456")


# URL name ("namespace:name") or view module → factory(owner) -> the object the id names.
ROUTE_FACTORIES = {
    "chats.views": _chat,
    "chats:edit": _chat_question,
    "chats:switch_version": _chat_question,
    "documents.views": _document,
    "documents.pdf_views": _generated_pdf,
    "memory.views": _memory_entry,
    "skills.views": _skill,
    "notifications.views": _notification,
    "notifications:cancel": _pending_notification,
    "notifications:edit": _pending_notification,
    "accounts.data_views": _data_export,
    "accounts.switch_views": _switch_grant,
    "accounts.session_views": _user_session,
    "allauth.mfa.webauthn.views": _webauthn_key,
    "chats.action_views": _proposed_action,
    "memory.medication_views": _medication,
    "memory.vital_views": _vital,
    "notifications:dose_answer": _dose_reminder,
    "trends:match": _lab_value,
    "sharing.views": _share_link,
    "pdfs:appointment_question_remove": _appointment_question,
    "memory:condition_edit": _condition,
    "memory:condition_delete": _condition,
    "memory:allergy_edit": _allergy,
    "memory:allergy_delete": _allergy,
    "memory:immunization_edit": _immunization,
    "memory:immunization_delete": _immunization,
    "interop.views": _record_import,
}

# Routes with a parameter that is not a user's object id, and why.
NOT_OBJECT_ROUTES = {
    "account_confirm_email": "allauth: the parameter is a signed e-mail confirmation key",
    "account_reset_password_from_key": "allauth: a password-reset token, not an object id",
    "openid_connect_login": "allauth: the parameter is a configured provider's name",
    "openid_connect_callback": "allauth: the parameter is a configured provider's name",
    "notifications:dose_link": "a signed one-time token from a reminder e-mail, no object id",
    "calendar:feed": "a secret feed token (revocable; tests in notifications/tests), no object id",
    # A share link for a doctor, opened without an account: the token is the key (only its
    # hash is stored); a document id is looked up among the link's chosen documents only.
    # Tests in sharing/tests.
    "shared:page": "a share link's secret token, no object id",
    "shared:pdf": "a share link's secret token, no object id",
    "shared:document": "a share link's secret token, then one of the documents it shares",
}


# --- Assistant tools ---------------------------------------------------------------------
@dataclass
class OwnerObjects:
    """One of each kind of object, all the owner's, for tools to be aimed at."""

    chat: object
    document: object
    report: object
    memory: object
    notification: object
    skill: object

    def ids(self) -> list[str]:
        return [str(obj.pk) for obj in (self.chat, self.document, self.report, self.memory,
                                        self.notification, self.skill)]


def make_owner_objects(owner) -> OwnerObjects:
    _medication(owner), _vital(owner)  # the health record, for get_health_record
    _lab_value(owner)  # a lab value, for get_lab_series
    _appointment_question(owner)  # for suggest_appointment_question
    return OwnerObjects(chat=_chat(owner), document=_document(owner),
                        report=_generated_pdf(owner), memory=_memory_entry(owner),
                        notification=_notification(owner), skill=_skill(owner))


# tool name → builder(OwnerObjects) -> list of inputs; each is run as a stranger.
TOOL_INPUTS = {
    "search_documents": lambda o: [
        {"query": MARKER}, {"query": "cholesterol"}, {"query": str(o.document.pk)},
    ],
    "read_document": lambda o: [
        {"document_id": str(o.document.pk)}, {"document_id": str(o.document.pk), "page": 2},
    ],
    "generate_pdf": lambda o: [
        {"title": "Mine", "document_ids": o.ids(), "include_chat": True,
         "include_memory": True, "include_trends": True},
        {"title": "Mine", "include_documents": True},
    ],
    "get_memory": lambda o: [
        {}, {"query": MARKER}, {"query": str(o.memory.pk)}, {"category": "condition"},
    ],
    "save_memory": lambda o: [
        # Same title and category as the owner's entry: must make a new one, not update it.
        {"title": o.memory.title, "category": o.memory.category, "content": "stranger's"},
    ],
    # Read-only and takes no input: as a stranger it must show none of the owner's record.
    "get_health_record": lambda o: [{}],
    # Proposals only: as a stranger they must propose nothing about the owner's record.
    "record_vital": lambda o: [
        {"kind": "heart_rate", "value": 64, "note": MARKER},
    ],
    "save_medication": lambda o: [
        {"name": MARKER, "times": ["08:00"]},
    ],
    # Read-only: the owner's analyte by its name, its LOINC code and the printed name.
    "get_lab_series": lambda o: [
        {"analyte": "cholesterol"}, {"analyte": "2093-3"}, {"analyte": MARKER},
    ],
    # The owner's own question again: the stranger's list is theirs alone (never "already
    # on the list"), and the owner's stays as it was.
    "suggest_appointment_question": lambda o: [
        {"question": f"{MARKER} ask about iron?"}, {"question": str(o.document.pk)},
    ],
    "schedule_notification": lambda o: [
        {"title": o.notification.title, "in_minutes": 5},
    ],
}


# --- Forms -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FormTarget:
    """Where a form is posted, and how to build the same form the view builds (to know
    whether a fuzzed post is valid, and so whether anything may be saved).

    `url` may hold `{pk}`: an object of the signed-in user made by `factory`. `form` is
    called as form(user, data, obj); None for a form that can never be valid in the test
    (it checks a password or code nobody generated can know)."""

    url: str
    form: object = None
    factory: object = None


def _preference(user):
    from notifications.models import NotificationPreference

    return NotificationPreference.for_user(user)


def _forms():
    from accounts.forms import EraseForm, ProfileForm
    from chats.forms import NewChatForm, RenameForm
    from documents.forms import ReportForm
    from memory.forms import (
        AllergyForm,
        ConditionForm,
        HealthPreferenceForm,
        ImmunizationForm,
        LabUnitsForm,
        MedicationForm,
        MemoryEntryForm,
        StockForm,
        VitalForm,
    )
    from memory.models import Condition, HealthPreference, Immunization, Medication, Vital
    from notifications.forms import PreferenceForm, ReminderForm
    from sharing.forms import ShareForm
    from skills.forms import ContextForm, SkillForm

    return {
        "accounts.forms.ProfileForm": FormTarget(
            "/settings/", lambda u, d, o: ProfileForm(d, instance=u)),
        "accounts.forms.AddAccountForm": FormTarget("/accounts/switch/add/"),
        "accounts.forms.SecondFactorForm": FormTarget("/accounts/switch/add/verify/"),
        "accounts.forms.EraseForm": FormTarget(
            "/settings/delete/", lambda u, d, o: EraseForm(d, user=u)),
        "chats.forms.NewChatForm": FormTarget(
            "/chats/new/", lambda u, d, o: NewChatForm(d, user=u)),
        "chats.forms.RenameForm": FormTarget(
            "/chats/{pk}/rename/", lambda u, d, o: RenameForm(d), _chat),
        "documents.forms.ReportForm": FormTarget(
            "/pdfs/", lambda u, d, o: ReportForm(u, d)),
        "memory.forms.MemoryEntryForm": FormTarget(
            "/memory/{pk}/edit/", lambda u, d, o: MemoryEntryForm(d, instance=o), _memory_entry),
        "memory.forms.MedicationForm": FormTarget(
            "/memory/medications/new/",
            lambda u, d, o: MedicationForm(d, instance=Medication(user=u))),
        "memory.forms.StockForm": FormTarget(
            "/memory/medications/{pk}/stock/", lambda u, d, o: StockForm(d), _medication),
        "memory.forms.VitalForm": FormTarget(
            "/memory/vitals/", lambda u, d, o: VitalForm(
                d, instance=Vital(user=u), preference=HealthPreference.for_user(u))),
        "memory.forms.HealthPreferenceForm": FormTarget(
            "/memory/vitals/units/",
            lambda u, d, o: HealthPreferenceForm(d, instance=HealthPreference.for_user(u))),
        "memory.forms.ConditionForm": FormTarget(
            "/memory/conditions/", lambda u, d, o: ConditionForm(d, instance=Condition(user=u))),
        "memory.forms.AllergyForm": FormTarget(
            "/memory/allergies/{pk}/edit/", lambda u, d, o: AllergyForm(d, instance=o),
            _allergy),
        "memory.forms.ImmunizationForm": FormTarget(
            "/memory/immunizations/",
            lambda u, d, o: ImmunizationForm(d, instance=Immunization(user=u))),
        "memory.forms.LabUnitsForm": FormTarget(
            "/memory/vitals/lab-units/",
            lambda u, d, o: LabUnitsForm(d, instance=HealthPreference.for_user(u))),
        # Posted with the lab values' formset, whose management form a fuzzed post lacks:
        # never valid alone, so a fuzzed post must change nothing.
        "documents.forms.FactsForm": FormTarget("/documents/{pk}/facts/", None, _document),
        "documents.forms.LabValueForm": FormTarget("/documents/{pk}/facts/", None, _document),
        "notifications.forms.ReminderForm": FormTarget(
            "/notifications/new/", lambda u, d, o: ReminderForm(d)),
        "notifications.forms.PreferenceForm": FormTarget(
            "/notifications/preferences/",
            lambda u, d, o: PreferenceForm(d, instance=_preference(u))),
        "skills.forms.SkillForm": FormTarget(
            "/skills/{pk}/edit/", lambda u, d, o: SkillForm(d, instance=o), _skill),
        "skills.forms.ContextForm": FormTarget(
            "/settings/context/", lambda u, d, o: ContextForm(d)),
        "sharing.forms.ShareForm": FormTarget("/share/", lambda u, d, o: ShareForm(u, d)),
        # Checks a passcode nobody posting at random knows: never valid here.
        "sharing.forms.PasscodeForm": FormTarget("/s/{pk}/", None, _SharedAddress),
    }


def form_targets() -> dict:
    """Form class path ("app.forms.Name") → FormTarget. Add an entry for every new form."""
    return _forms()
