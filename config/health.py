"""What /healthz reports: the database, the cache and the job broker, each "ok" or what
is wrong. Every check is short (a one-second timeout for Redis)."""

from django.conf import settings
from django.db import connection
from django.db.utils import Error as DatabaseError


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return f"unreachable: {type(error).__name__}"
    return "ok"


def check_redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except (OSError, redis.exceptions.RedisError) as error:
        return f"unreachable: {type(error).__name__}"
    finally:
        client.close()
    return "ok"


def report() -> tuple[bool, dict]:
    """(healthy, the JSON body)."""
    database = check_database()
    if settings.REDIS_URL:
        # The cache, the channel layer and the broker share the one Redis server; the cache
        # itself would hide an outage (it falls back to memory), so Redis is asked directly.
        redis_state = check_redis()
        cache, broker = redis_state, redis_state
    else:
        cache = "ok"  # local memory
        broker = database  # django-q2's ORM broker lives in the database
    checks = {"database": database, "cache": cache, "broker": broker}
    healthy = all(value == "ok" for value in checks.values())
    return healthy, {"status": "ok" if healthy else "error", **checks}
