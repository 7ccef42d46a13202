"""The client's address behind trusted reverse proxies.

Each proxy appends the address it received the request from to X-Forwarded-For, so with
TRUSTED_PROXY_COUNT proxies of our own in front, the client is that many entries from the
right; anything further left was written by the client and may be forged. With 0 (the
default) the header is ignored and the socket's peer address is the client.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    address = address.strip()
    if address.startswith("[") and "]" in address:  # [v6]:port
        address = address[1:address.index("]")]
    elif address.count(":") == 1:  # v4:port
        address = address.split(":")[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client's IP from the peer address and the X-Forwarded-For header."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0 and forwarded_for:
        hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
        # Fewer entries than proxies: the request did not come through all of them.
        if len(hops) >= count and (address := _valid(hops[-count])):
            return address
    return _valid(peer) if peer else None


def client_ip(request) -> str | None:
    return client_address(request.META.get("REMOTE_ADDR"),
                          request.META.get("HTTP_X_FORWARDED_FOR"))
