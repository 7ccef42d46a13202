"""Passcode guesses, limited per link and per address: wrong guesses are counted in the
shared cache in fixed windows (as accounts/rate_limits.py counts uploads), and once either
count is used up every guess — right or wrong — is refused until the window ends. A
passcode is at least 6 characters, so 5 guesses an hour over a link's 30 days at most
leave a 6-digit code out of reach."""

import time

from django.core.cache import cache

WINDOW = 3600  # seconds
PER_LINK = 5  # wrong guesses a link takes in a window, from anyone
PER_ADDRESS = 20  # wrong guesses one address may make in a window, over every link


def _keys(link, ip) -> list[str]:
    window = int(time.time() // WINDOW)
    return [f"share-guess:link:{link.pk}:{window}", f"share-guess:ip:{ip or '-'}:{window}"]


def blocked(link, ip) -> bool:
    link_key, ip_key = _keys(link, ip)
    return (cache.get(link_key, 0) >= PER_LINK) or (cache.get(ip_key, 0) >= PER_ADDRESS)


def wrong(link, ip) -> None:
    for key in _keys(link, ip):
        try:
            cache.incr(key)
        except ValueError:  # the first of this window (unless another process won)
            if not cache.add(key, 1, timeout=WINDOW + 60):
                cache.incr(key)
