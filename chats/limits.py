"""Per-user limits: how many chats one may have, how fast one may send messages.

Archived chats count towards the chat limit: they still hold the user's data and can be
brought back at any time, so only deleting a chat frees a place.
"""

import contextlib
import time

from constance import config
from django.core.cache import cache

from .models import Chat

MESSAGES_PER_MINUTE = 20


def chat_limit(user) -> int:
    return user.max_chats if user.max_chats is not None else config.default_max_chats


def can_create_chat(user) -> bool:
    return Chat.objects.for_user(user).count() < chat_limit(user)


def allow_message(user) -> bool:
    """A fixed one-minute window in the shared cache, so it holds across processes."""
    return count_message(user)[0]


def count_message(user) -> tuple[bool, str]:
    """Counts a message: whether it is allowed, and the counter's key (for `uncount`)."""
    key = f"chat-rate:{user.pk}:{int(time.time() // 60)}"
    try:
        count = cache.incr(key)  # one round trip in the usual case
    except ValueError:  # the first message of this minute (unless another process won)
        count = 1 if cache.add(key, 1, timeout=90) else cache.incr(key)
    return count <= MESSAGES_PER_MINUTE, key


def counter_is_remote() -> bool:
    """Whether counting is a round trip (Redis) rather than this process's memory."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    return isinstance(caches["default"], RedisCache)


def uncount(key: str) -> None:
    """Takes back a message counted by `count_message` that was refused for another
    reason (the chat archived, an answer still being written): it was never sent."""
    with contextlib.suppress(ValueError):  # the minute's counter has gone: nothing to take
        cache.decr(key)
