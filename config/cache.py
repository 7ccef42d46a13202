"""The Redis cache, fail-soft: with Redis down a page is still served.

While Redis cannot be reached every cache call goes to a local-memory cache of this
process instead, with a warning in the log at most once a minute. The cache holds nothing
that cannot be recomputed (rate-limit counters, the bot's username); falling back to a
per-process cache keeps the rate limits working (per process) rather than switching them
off or locking everybody out. Short socket timeouts keep a page from hanging on an
unreachable server.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
METHODS = ["get", "set", "add", "delete", "touch", "get_many", "set_many", "delete_many",
           "has_key", "incr", "decr", "get_or_set", "clear"]
_last_warning = 0.0


def _warn(error) -> None:
    global _last_warning
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        log.warning("Redis cache unreachable, using this process's memory meanwhile: %s", error)


def _soft(name):
    def method(self, *args, **kwargs):
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except UNREACHABLE as error:
            _warn(error)
            return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.fallback = LocMemCache(f"redis-fallback-{id(self)}", {
            "TIMEOUT": params.get("TIMEOUT", 300), "KEY_PREFIX": params.get("KEY_PREFIX", ""),
        })

    locals().update({name: _soft(name) for name in METHODS})
