"""Questions for the next appointment that the assistant suggests (issue 24, item 6).

The tool `suggest_appointment_question` (tools.py) writes one through the action
`documents.question`: at once in an ordinary turn, as a proposal the user confirms in a
turn that read outside text (chats.actions.confirm_first). A kept question is an
`AppointmentQuestion`; the appointment form (pdf_views.appointment) offers each one ticked,
marked "suggested by the assistant", with Remove (the action's Undo), and the PDF marks it
the same way on its questions page.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chats import actions
from chats.models import AssistantAction

from .models import AppointmentQuestion

QUESTION = "documents.question"
MAX_CHARS = 300
MAX_KEPT = 20  # kept and waiting, per user: a page of questions


def text_of(value) -> str:
    return " ".join(str(value or "").split())[:MAX_CHARS] \
        if not isinstance(value, (dict, list)) else ""


def _same(text: str) -> str:
    return text.casefold().rstrip("?.! ")


def waiting(user):
    return AssistantAction.objects.for_user(user).proposed().filter(kind=QUESTION)


def kept(user):
    return AppointmentQuestion.objects.for_user(user)


def _full() -> ValidationError:
    return ValidationError(_("There are already %(count)s questions for the appointment; the "
                             "user can remove some on the appointment page.")
                           % {"count": MAX_KEPT})


def check(user, text: str) -> None:
    """ValidationError when the question is empty, already on the list (kept or waiting),
    or the list is full."""
    if not text:
        raise ValidationError(_("Give the question."))
    known = [question.text for question in kept(user)] + [
        str((action.payload or {}).get("text", "")) for action in waiting(user)]
    if any(_same(text) == _same(other) for other in known):
        raise ValidationError(_("That question is already on the list."))
    if len(known) >= MAX_KEPT:
        raise _full()


def apply_question(action) -> None:
    text = text_of((action.payload or {}).get("text"))
    if not text:
        raise ValidationError(_("Give the question."))
    if kept(action.user).count() >= MAX_KEPT:
        raise _full()
    question = AppointmentQuestion.objects.create(user=action.user, text=text)
    actions.set_target(action, question)
    action.previous = None


def undo_question(action) -> None:
    kept(action.user).filter(pk=action.target_id).delete()


def remove(user, pk) -> bool:
    """Removes a kept question (the Undo of the action that kept it, so the activity page
    shows it undone); False when the user has no such question."""
    question = kept(user).filter(pk=pk).first()
    if question is None:
        return False
    action = AssistantAction.objects.for_user(user).filter(
        kind=QUESTION, target_id=str(question.pk), state__in=actions.UNDOABLE).first()
    if action is not None:
        actions.undo(user, action.pk)
    kept(user).filter(pk=question.pk).delete()
    return True


def chosen(user, ids) -> list[str]:
    """The texts of the kept questions among `ids` (the ticked boxes), in the list's order;
    ids that are not the user's are ignored."""
    wanted = {str(value) for value in ids}
    return [question.text for question in kept(user) if str(question.pk) in wanted]


def register() -> None:
    actions.register(QUESTION, apply=apply_question, undo=undo_question,
                     label=gettext_lazy("Appointment question"))
