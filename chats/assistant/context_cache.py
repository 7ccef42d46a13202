"""The stable part of the context, kept between turns: the blocks of the `SYSTEM`
providers that name their `sources` (the context files, the skill, critical and high
memory, the health record), per user, chat skill and language.

Building them took most of a turn's own time (the health record alone is a query per
kind of vital); they change only when one of their sources is saved. So each process
keeps the blocks it built, and the shared cache (Redis in production; in the embedded
mode, whose cache is each process's memory, a small file per user in DATA_DIR) keeps a
version per user and one for everyone: saving or deleting a source's row (its `user_id`, or the user
itself) gives that user a new version; a row without a user (the primary context, a
general skill) gives everyone one. A turn reads both versions (one round trip) and uses
its blocks only if they were built under the same ones — a change made in any process
is seen by the next turn in every process. The blocks are the same bytes as before, so
the prompt cache of the model keeps reading them.

A write that bypasses the model signals (`QuerySet.update`, `bulk_create`) must call
`changed(user)` itself. Blocks older than LOCAL_TTL are built again whatever the
versions say, which bounds the harm of a change that was missed (the cache unreachable
when it was bumped).
"""

import os
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import translation

EVERYONE = "all"
LOCAL_TTL = 300.0  # seconds; the prompt cache of the API lives 5 minutes too
LOCAL_ENTRIES = 2000  # blocks kept by this process (provider × user × skill × language)

_local: OrderedDict = OrderedDict()
_lock = threading.Lock()
_watched: set = set()


def version_key(owner) -> str:
    return f"chat-context:{owner}"


def _shared_cache() -> bool:
    """Redis: every process sees the versions. The embedded mode's cache is each
    process's own memory, and its web, bot and worker are separate processes on one
    machine: there the versions are small files in DATA_DIR instead."""
    return not isinstance(caches["default"], LocMemCache)


def _version_file(owner) -> Path:
    return Path(settings.DATA_DIR) / "context-versions" / str(owner)


def _bump(owner) -> None:
    # A fresh random token rather than a counter: a counter that was evicted and started
    # again could come back to a number some process still holds blocks for.
    token = uuid.uuid4().hex
    if _shared_cache():
        cache.set(version_key(owner), token, timeout=None)
        return
    path = _version_file(owner)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{token}")
    temporary.write_text(token)
    os.replace(temporary, path)  # readers see the old token or the new one, whole


def changed(user=None) -> None:
    """The stable context of `user` (a user or an id; None: of everyone) has changed."""
    _changed(EVERYONE if user is None else getattr(user, "pk", user))


def _changed(owner) -> None:
    # Bumped now and again when the transaction commits, so that no process can rebuild
    # from the old rows and keep the result under the new version.
    _bump(owner)
    transaction.on_commit(lambda: _bump(owner))


def _owner_of(instance):
    if instance._meta.label_lower == _user_label():
        return instance.pk
    owner = getattr(instance, "user_id", None)
    return EVERYONE if owner is None else owner


def _user_label() -> str:
    from django.contrib.auth import get_user_model

    return get_user_model()._meta.label_lower


def _on_change(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata: nothing is cached for rows being loaded
        return
    _changed(_owner_of(instance))


def watch(*models) -> None:
    """Saving or deleting a row of these models changes its owner's stable context."""
    for model in models:
        if model in _watched:
            continue
        _watched.add(model)
        post_save.connect(_on_change, sender=model, dispatch_uid=f"context-cache-{model}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"context-cache-d-{model}")


def versions(user) -> tuple:
    """The current versions of `user`'s stable context and of everyone's (one round trip)."""
    if not _shared_cache():
        return tuple(_read_version(owner) for owner in (user.pk, EVERYONE))
    keys = [version_key(user.pk), version_key(EVERYONE)]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:  # never bumped, or evicted: start one (unless another did)
            token = uuid.uuid4().hex
            found[key] = token if cache.add(key, token, timeout=None) else cache.get(key)
    return tuple(found[key] for key in keys)


def _read_version(owner) -> str:
    try:
        return _version_file(owner).read_text()
    except FileNotFoundError:  # never changed since DATA_DIR was made
        return ""


def blocks(provider, user, chat, current: str, current_versions: tuple) -> list[dict]:
    """The provider's blocks as built under `current_versions`, or built now."""
    key = (provider.name, user.pk, chat.skill_id, translation.get_language())
    now = time.monotonic()
    with _lock:
        entry = _local.get(key)
        if entry is not None:
            _local.move_to_end(key)
    if entry is not None and entry[0] == current_versions and now - entry[1] < LOCAL_TTL:
        return [dict(block) for block in entry[2]]
    built = provider.blocks(user, chat, current)
    with _lock:
        _local[key] = (current_versions, now, [dict(block) for block in built])
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
    return built


def clear() -> None:
    """Forgets the blocks this process keeps (tests)."""
    with _lock:
        _local.clear()
