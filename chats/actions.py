"""What the assistant writes, in one place: the kinds of actions and every change of state.

A feature app describes each kind of write it lets the assistant make, in its
`AppConfig.ready()`:

    actions.register("memory.save", apply=apply_save, undo=undo_save, label=_("Memory"))

- `apply(action)` performs `action.payload` for `action.user` (scoping every query with
  `for_user`), sets `action.previous` (the prior version, JSON) and the target
  (`actions.set_target(action, obj)`); it raises `ValidationError` when it cannot.
  A kind that is only recorded (the caller writes, then calls `record`) has no `apply`.
- `undo(action)` restores `action.previous` (or removes what was created). A kind
  without `undo` has no Undo button.

Then a door (a tool, a job) either performs the write at once, recorded as `applied`:

    action = actions.perform(user, "memory.save", payload, summary=…,
                             origin=actions.from_chat(chat))

or proposes it, to be applied only when the user confirms it in the chat or a list:

    action = actions.propose(user, "notifications.reminder", payload, summary=…, origin=…)

A turn whose request held text the user did not type (document excerpts, attachments,
tool results, memory the assistant wrote: `untrusted.held`) runs its tools inside
`confirm_first()`: there `perform` proposes instead, whatever the kind's own rules, so a
planted line cannot write anything the user has not confirmed (issue 22).

`confirm`, `cancel` and `undo` take the user and the action's id and find it with
`for_user`: another user's action is not found (`AssistantAction.DoesNotExist`).
States: proposed → confirmed | cancelled | failed; applied | confirmed → undone.
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import AssistantAction

log = logging.getLogger(__name__)

State = AssistantAction.State
UNDOABLE = (State.APPLIED, State.CONFIRMED)


@dataclass(frozen=True)
class Kind:
    name: str
    apply: Callable[[AssistantAction], None] | None = None  # None: only recorded (`record`)
    undo: Callable[[AssistantAction], None] | None = None
    label: str = ""


@dataclass(frozen=True)
class Origin:
    """Where a write came from: a chat, a document, the daily review."""

    origin: str = AssistantAction.Origin.OTHER
    id: str = ""
    label: str = ""
    url: str = ""
    chat: object = None


_kinds: dict[str, Kind] = {}
_confirm_first: ContextVar[bool] = ContextVar("actions_confirm_first", default=False)


@contextmanager
def confirm_first(untrusted: bool = True):
    """Inside, with `untrusted`: every `perform` becomes a `propose`."""
    token = _confirm_first.set(_confirm_first.get() or untrusted)
    try:
        yield
    finally:
        _confirm_first.reset(token)


def must_confirm() -> bool:
    """Whether a write now has to wait for the user's Confirm whatever its kind's rules."""
    return _confirm_first.get()


def register(name: str, *, apply=None, undo=None, label="") -> Kind:
    kind = Kind(name=name, apply=apply, undo=undo, label=label)
    _kinds[name] = kind
    return kind


def kind(name: str) -> Kind | None:
    return _kinds.get(name)


def can_undo(action: AssistantAction) -> bool:
    found = _kinds.get(action.kind)
    return action.state in UNDOABLE and found is not None and found.undo is not None


def from_chat(chat) -> Origin:
    if chat is None:
        return Origin()
    return Origin(AssistantAction.Origin.CHAT, str(chat.pk), str(chat)[:200],
                  f"/chats/{chat.pk}/", chat)


def set_target(action: AssistantAction, obj) -> None:
    action.target_app = obj._meta.app_label
    action.target_model = obj._meta.model_name
    action.target_id = str(obj.pk)


def _new(user, name: str, payload: dict, summary: str, origin: Origin, state: str):
    if name not in _kinds:
        raise LookupError(f"No action kind {name!r} is registered.")
    origin = origin or Origin()
    return AssistantAction(
        user=user, chat=origin.chat, origin=origin.origin, origin_id=origin.id,
        origin_label=origin.label[:200], origin_url=origin.url[:300], kind=name,
        state=state, summary=str(summary)[:300], payload=payload or {},
    )


def propose(user, name: str, payload: dict, *, summary: str, origin: Origin | None = None):
    """A write the user has to confirm before it happens."""
    action = _new(user, name, payload, summary, origin, State.PROPOSED)
    action.save()
    return action


def perform(user, name: str, payload: dict, *, summary: str, origin: Origin | None = None):
    """Applies the write now and records it (`applied`); ValidationError when it cannot.
    Inside `confirm_first()` it only proposes it (`proposed`)."""
    if must_confirm():
        return propose(user, name, payload, summary=summary, origin=origin)
    action = _new(user, name, payload, summary, origin, State.APPLIED)
    with transaction.atomic():
        _kinds[name].apply(action)
        action.save()
    return action


def record(user, name: str, obj, *, summary: str, origin: Origin | None = None,
           payload: dict | None = None, previous=None):
    """Records a write the caller already made (e.g. a compiled PDF) as `applied`."""
    action = _new(user, name, payload or {}, summary, origin, State.APPLIED)
    action.previous = previous
    if obj is not None:
        set_target(action, obj)
    action.save()
    return action


def _locked(user, pk) -> AssistantAction:
    return AssistantAction.objects.for_user(user).select_for_update().get(pk=pk)


def confirm(user, pk) -> AssistantAction:
    """Applies a proposed write. An action no longer proposed is returned unchanged."""
    with transaction.atomic():
        action = _locked(user, pk)
        if action.state != State.PROPOSED:
            return action
        found = _kinds.get(action.kind)
        try:
            if found is None or found.apply is None:
                raise ValidationError(f"Nothing can apply an action of kind {action.kind}.")
            with transaction.atomic():
                found.apply(action)
        except ValidationError as error:
            action.state = State.FAILED
            action.error = " ".join(error.messages)[:2000]
        else:
            action.state = State.CONFIRMED
            action.error = ""
        action.save()
    return action


def cancel(user, pk) -> AssistantAction:
    with transaction.atomic():
        action = _locked(user, pk)
        if action.state == State.PROPOSED:
            action.state = State.CANCELLED
            action.save(update_fields=["state", "updated"])
    return action


def undo(user, pk) -> AssistantAction:
    """Restores what the write replaced; an action that cannot be undone is unchanged."""
    with transaction.atomic():
        action = _locked(user, pk)
        if not can_undo(action):
            return action
        try:
            with transaction.atomic():
                _kinds[action.kind].undo(action)
        except ValidationError as error:
            action.error = " ".join(error.messages)[:2000]
            action.save(update_fields=["error", "updated"])
            return action
        action.state = State.UNDONE
        action.error = ""
        action.save(update_fields=["state", "error", "updated"])
    return action


def states_for(user, messages) -> dict:
    """The state now of each action the messages' tool cards show (one query), for
    rendering them as `current_actions`."""
    ids = [
        part["data"]["action"]["id"] for message in messages
        for part in (message.metadata or {}).get("parts") or []
        if isinstance(part, dict) and isinstance(part.get("data"), dict)
        and isinstance(part["data"].get("action"), dict) and part["data"]["action"].get("id")
    ]
    if not ids:
        return {}
    found = AssistantAction.objects.for_user(user).filter(pk__in=ids).values_list("pk", "state")
    return {str(pk): state for pk, state in found}


def card(action: AssistantAction) -> dict:
    """What a tool card keeps about its action (the page reads the current state)."""
    return {"id": str(action.pk), "state": action.state, "kind": action.kind,
            "summary": action.summary}
