"""Regenerating the last answer, and editing any question of the active path.

Regenerating keeps the answer's row (and its place in the chat): the replaced text moves
into the row's `metadata["versions"]`, oldest first, and the row holds the current version.

Editing a question makes a branch (chats/branches.py): the new text is a new message, a
sibling of the old one, with a new answer after it; the old question and everything that
followed it stay stored, off the active path, and the page can switch back to them. The
history the model reads (context.py) is the active path only, so it never sees either the
replaced answers or an abandoned branch.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import branches, budget, limits, llm
from ..models import Chat, Message
from . import persistence
from .engine import PreparedTurn
from .reply import ERROR, Reply

MAX_VERSIONS = 20


class NothingToRevise(Exception):
    """There is no finished exchange to regenerate or edit; `args[0]` says so."""


def snapshot(message: Message) -> dict:
    """A replaced version of a message, as kept in its `versions`."""
    metadata = {k: v for k, v in (message.metadata or {}).items()
                if k not in ("versions", "heartbeat")}
    return {"content": message.content, "metadata": metadata,
            "replaced": timezone.now().isoformat()}


def _with_version(message: Message) -> list[dict]:
    versions = list((message.metadata or {}).get("versions") or [])
    return [*versions, snapshot(message)][-MAX_VERSIONS:]


def last_exchange(chat: Chat) -> tuple[Message, Message] | None:
    """The chat's latest answer and the question it answers."""
    answer = (Message.objects.on_path().filter(chat=chat, role=Message.Role.ASSISTANT)
              .order_by("-created").first())
    if answer is None:
        return None
    question = (Message.objects.on_path().filter(chat=chat, role=Message.Role.USER,
                                       created__lte=answer.created)
                .exclude(pk=answer.pk).order_by("-created").first())
    return (question, answer) if question is not None else None


def _locked_chat(user, chat_id, archived_too: bool = False) -> Chat:
    """The chat, locked for the revision, after the checks every revision makes (a failed
    one raises NothingToRevise, saying why in the user's language)."""
    chat = (Chat.objects.for_user(user).select_related("skill")
            .select_for_update(of=("self",)).filter(pk=chat_id).first())
    if chat is None:
        raise NothingToRevise(_("This chat does not exist."))
    if chat.is_archived and not archived_too:
        raise NothingToRevise(_("This chat is archived. Restore it to continue."))
    if persistence.expire_stale(chat) is not None:
        raise NothingToRevise(_("An answer is still being written. Wait for it or stop it."))
    return chat


def _checked_rate(user) -> None:
    if not limits.allow_message(user):
        raise NothingToRevise(
            _("You are sending messages too fast. Wait a minute and try again."))


def _new_reply(user, **kwargs) -> Reply:
    reply = Reply(**kwargs)
    if not llm.is_configured():
        reply.status, reply.error = ERROR, {"code": "not_configured"}
    elif budget.is_reached(user):
        reply.status, reply.error = ERROR, {"code": "budget_reached"}
    return reply


def revise(user, chat_id) -> PreparedTurn:
    """Saves the current answer as an earlier version and empties it for a new turn, after
    the same checks as a new message."""
    with transaction.atomic():
        chat = _locked_chat(user, chat_id)
        exchange = last_exchange(chat)
        if exchange is None:
            raise NothingToRevise(_("There is no answer to regenerate yet."))
        _checked_rate(user)
        question, answer = exchange
        reply = _new_reply(user, versions=_with_version(answer))
        answer.content, answer.metadata = reply.content, reply.metadata()
        answer.save(update_fields=["content", "metadata"])
        Chat.objects.filter(pk=chat.pk).update(updated=timezone.now())
    return PreparedTurn(user, chat, question, answer, reply)


def edit(user, chat_id, message_id, content: str) -> PreparedTurn:
    """A new version of the question `message_id` (one of the active path), and an empty
    answer to it, made the active path; the old version and what followed it stay as a
    branch. Message.DoesNotExist for a message that is not a question of this chat."""
    with transaction.atomic():
        chat = _locked_chat(user, chat_id)
        old = Message.objects.get(chat=chat, pk=message_id, role=Message.Role.USER)
        if not old.on_path:
            raise NothingToRevise(_("Switch to this version of the question to edit it."))
        _checked_rate(user)
        reply = _new_reply(user)
        attached = (old.metadata or {}).get("attachments")
        question = Message(chat=chat, role=Message.Role.USER, content=content,
                           parent_id=old.parent_id, on_path=False, selected=False,
                           metadata={"attachments": attached} if attached else {})
        question.starts_branch = old.parent_id is None
        answer = Message(chat=chat, role=Message.Role.ASSISTANT, content=reply.content,
                         metadata=reply.metadata(), parent=question, on_path=False,
                         selected=False)
        Message.objects.bulk_create([question, answer])  # `created` in this order
        branches.activate(chat.pk, answer.pk)
        question.on_path = answer.on_path = question.selected = answer.selected = True
        branches.annotate(chat, [question])
        Chat.objects.filter(pk=chat.pk).update(updated=timezone.now())
    return PreparedTurn(user, chat, question, answer, reply, forked_from=old.parent_id or "")


def switch(user, chat_id, message_id) -> Message:
    """Shows the version `message_id` and the branch that follows it; returns it.
    Message.DoesNotExist for a message that is not one of this chat."""
    with transaction.atomic():
        chat = _locked_chat(user, chat_id, archived_too=True)  # reading an archive is fine
        message = Message.objects.get(chat=chat, pk=message_id)
        if not message.on_path:
            branches.activate(chat.pk, message.pk)
    return message
