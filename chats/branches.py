"""The branches of a chat: its messages form a tree, and one path of it is the conversation.

A message follows its `parent` (None for the first question). Editing a question adds a
sibling of it — a new version, answered anew — and the old version keeps everything that
followed it, as a branch the user can switch back to. Among siblings one is `selected`;
the active path runs from the selected first question through the selected child of each
message down to a leaf, and its messages are marked `on_path`. Everything that shows,
sends, exports, searches or counts the conversation reads only `on_path` messages (an
indexed filter); the path is recomputed here, in Python from one query of the chat's
(id, parent, selected, on_path) rows, whenever an edit or a switch changes it.
"""

from dataclasses import dataclass

from django.db.models import Q

from .models import Message

UPDATE_BATCH = 500  # ids per UPDATE: well inside SQLite's and PostgreSQL's parameter limits


@dataclass
class _Node:
    pk: object
    parent_id: object
    selected: bool
    on_path: bool
    created: object
    children: list


def _tree(chat_id) -> dict:
    rows = (Message.objects.filter(chat_id=chat_id)
            .values_list("pk", "parent_id", "selected", "on_path", "created")
            .order_by("created"))
    nodes = {pk: _Node(pk, parent, selected, on_path, created, [])
             for pk, parent, selected, on_path, created in rows}
    roots = []
    for node in nodes.values():  # in order of creation: children lists are too
        parent = nodes.get(node.parent_id)
        (parent.children if parent is not None else roots).append(node)
    nodes[None] = _Node(None, None, True, True, None, roots)
    return nodes


def _chosen(children: list) -> "_Node | None":
    """The child the path follows: the selected one (the newest, should there be two), or
    the newest when none is."""
    if not children:
        return None
    selected = [child for child in children if child.selected]
    return (selected or children)[-1]


def _update(ids, **values) -> None:
    ids = list(ids)
    for start in range(0, len(ids), UPDATE_BATCH):
        Message.objects.filter(pk__in=ids[start:start + UPDATE_BATCH]).update(**values)


def activate(chat_id, message_id) -> list:
    """Makes the path through `message_id` the chat's active one: the message and each of
    its ancestors become the selected version among their siblings, and the path goes on
    below it through the versions selected there before (the branch as it was left).
    Returns the ids of the new path. Run it inside the transaction that locks the chat."""
    nodes = _tree(chat_id)
    target = nodes[message_id]
    chain, node = [], target
    while node.pk is not None and len(chain) < len(nodes):
        chain.append(node)
        node = nodes.get(node.parent_id, nodes[None])
    chain.reverse()
    select = [node.pk for node in chain if not node.selected]
    deselect = [sibling.pk for node in chain for sibling in _siblings(nodes, node)
                if sibling.selected]
    path, node = [n.pk for n in chain], _chosen(target.children)
    while node is not None:
        path.append(node.pk)
        node = _chosen(node.children)
    _update(deselect, selected=False)
    _update(select, selected=True)
    old = {pk for pk, node in nodes.items() if pk is not None and node.on_path}
    _update(old - set(path), on_path=False)
    _update([pk for pk in path if pk not in old], on_path=True)
    return path


def _siblings(nodes: dict, node: _Node) -> list:
    parent = nodes.get(node.parent_id, nodes[None])
    return [s for s in parent.children if s.pk != node.pk]


@dataclass(frozen=True)
class Versions:
    """Where a message stands among its versions: number `number` of `count`, and the
    versions before and after it (None at either end)."""

    number: int
    count: int
    previous: object
    next: object


def versions_of(chat, messages) -> dict:
    """{message id: Versions} for the user messages among `messages` that have more than
    one version. One query, however many messages are shown."""
    questions = [m for m in messages if m.role == Message.Role.USER]
    if not questions:
        return {}
    parents = {m.parent_id for m in questions}
    siblings = Q(parent_id__in=[p for p in parents if p is not None])
    if None in parents:
        siblings |= Q(parent__isnull=True)
    rows = (Message.objects.filter(siblings, chat=chat, role=Message.Role.USER)
            .order_by("created").values_list("pk", "parent_id"))
    groups: dict = {}
    for pk, parent in rows:
        groups.setdefault(parent, []).append(pk)
    found = {}
    for message in questions:
        group = groups.get(message.parent_id, [])
        if len(group) < 2 or message.pk not in group:
            continue
        index = group.index(message.pk)
        found[message.pk] = Versions(
            number=index + 1, count=len(group),
            previous=group[index - 1] if index else None,
            next=group[index + 1] if index + 1 < len(group) else None)
    return found


def annotate(chat, messages) -> None:
    """Puts `branch` (its Versions, or None) on each message, for the page to show."""
    found = versions_of(chat, messages)
    for message in messages:
        message.branch = found.get(message.pk)
