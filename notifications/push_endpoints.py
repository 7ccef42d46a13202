"""Where the server may post a Web Push message. A subscription's endpoint comes from the
browser, that is from the user: without these checks it makes the server post to any
address it can reach (the cloud's metadata service, Redis, an admin page on the LAN).

An endpoint is accepted only as https (plain http only for the hosts of `WEB_PUSH_TEST_HOSTS`,
the local push service of the tests), and only when every address its host resolves to is
public. The check runs when a browser subscribes and again at each connection: the session
of `session()` connects only to an address it has just checked (a name that resolved to a
public address at subscribe time may resolve to 127.0.0.1 later), follows no redirect and
gives the whole request a deadline.
"""

import contextlib
import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_LENGTH = 1000


class UnsafeEndpoint(Exception):
    """The endpoint is not a public https address."""


def _test_hosts() -> set[str]:
    return set(getattr(settings, "WEB_PUSH_TEST_HOSTS", ()))


def check(endpoint: str) -> None:
    """Raises UnsafeEndpoint unless the endpoint may receive pushes now."""
    if not isinstance(endpoint, str) or len(endpoint) > MAX_LENGTH:
        raise UnsafeEndpoint("too long")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise UnsafeEndpoint("not a URL") from None
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeEndpoint("no host, or credentials in the URL")
    test_host = parts.netloc.lower() in _test_hosts()
    if parts.scheme != "https" and not (test_host and parts.scheme == "http"):
        raise UnsafeEndpoint("not https")
    if not test_host:
        public_addresses(parts.hostname, port or 443)


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not _is_public(str(embedded)):
            return False
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, all of them public; else UnsafeEndpoint. One
    private address is enough to refuse: which one a connection gets is not ours to pick."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeEndpoint("the host does not resolve") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses or not all(_is_public(address) for address in addresses):
        raise UnsafeEndpoint("the host resolves to a non-public address")
    return addresses


# --- A session that connects only to checked addresses, before a deadline --------------


def _checked_connection(base):
    class Checked(base):
        """Resolves and checks the host at each connection, then connects to the checked
        address itself (TLS still verifies the certificate against the host name)."""

        deadline: float = 0.0

        def _new_conn(self):
            host = self.host
            if f"{host}:{self.port}".lower() not in _test_hosts():
                address = public_addresses(host, self.port)[0]
                self._dns_host = address
                try:
                    return super()._new_conn()
                finally:
                    self._dns_host = host
            return super()._new_conn()

        def connect(self):
            super().connect()
            _close_at_deadline(self.sock, self.deadline)

    return Checked


_CheckedHTTP = _checked_connection(HTTPConnection)
_CheckedHTTPS = _checked_connection(HTTPSConnection)


def _close_at_deadline(sock, deadline: float) -> None:
    """A server that answers one byte at a time never trips a read timeout; shutting the
    socket down at the deadline ends the request whatever it does."""
    remaining = deadline - time.monotonic()
    if not deadline or sock is None:
        return
    if remaining <= 0:
        sock.shutdown(socket.SHUT_RDWR)
        return
    timer = threading.Timer(remaining, _shutdown, [sock])
    timer.daemon = True
    timer.start()


def _shutdown(sock) -> None:
    with contextlib.suppress(OSError):  # already closed: the request ended in time
        sock.shutdown(socket.SHUT_RDWR)


class _Adapter(HTTPAdapter):
    def __init__(self, deadline: float):
        self.deadline = deadline
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        deadline = self.deadline
        http = type("Pool", (HTTPConnectionPool,), {
            "ConnectionCls": type("Conn", (_CheckedHTTP,), {"deadline": deadline})})
        https = type("Pool", (HTTPSConnectionPool,), {
            "ConnectionCls": type("Conn", (_CheckedHTTPS,), {"deadline": deadline})})
        self.poolmanager.pool_classes_by_scheme = {"http": http, "https": https}

    def send(self, request, **kwargs):
        if self.deadline - time.monotonic() <= 0:
            raise requests.exceptions.Timeout("the push's time is up")
        return super().send(request, **kwargs)


class _NoRedirects(requests.Session):
    def request(self, method, url, *args, **kwargs):
        kwargs["allow_redirects"] = False  # a redirect is an answer, not a new address
        return super().request(method, url, *args, **kwargs)


def session(seconds: float) -> requests.Session:
    """A requests session for one push: checked addresses, no redirects, no proxy from the
    environment (it would connect on our behalf to anything), done within `seconds`."""
    web = _NoRedirects()
    web.trust_env = False
    adapter = _Adapter(time.monotonic() + seconds)
    web.mount("https://", adapter)
    web.mount("http://", adapter)
    return web
