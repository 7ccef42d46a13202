"""The reverse proxy of compose.yaml, run for real: Debian's `caddy` with the project's
Caddyfile in front of two daphne processes spreads HTTP requests and WebSocket connections
over both, as it does over `docker compose up --scale web=N` replicas.

In compose Caddy finds the replicas by looking the service name `web` up in Docker's DNS
(every replica is an A record of it). Here a small DNS server of the test answers `web`
with 127.0.0.1 and 127.0.0.2, where the two daphne processes listen on one port: the
Caddyfile is the project's, rendered only with the test's addresses (its environment
placeholders, the resolver to ask, and a listener on the loopback address only).
"""

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from functools import partial
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = ("127.0.0.1", "127.0.0.2")

pytestmark = pytest.mark.django_db(transaction=True)


class FakeDNS:
    """Answers A queries for one name with fixed addresses (NXDOMAIN for other names, no
    records for other types), over UDP on 127.0.0.1, as Docker's DNS answers a service."""

    def __init__(self, name: str, addresses: tuple[str, ...]):
        self.name, self.addresses = name.lower(), addresses
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.queries: list[str] = []
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            ident, = struct.unpack(">H", data[:2])
            labels, i = [], 12
            while data[i]:
                labels.append(data[i + 1:i + 1 + data[i]].decode().lower())
                i += 1 + data[i]
            qtype, = struct.unpack(">H", data[i + 1:i + 3])
            question = data[12:i + 5]
            name = ".".join(labels)
            self.queries.append(name)
            known = name == self.name
            answers = self.addresses if known and qtype == 1 else ()
            flags = 0x8180 if known else 0x8183  # a response, recursion; NXDOMAIN if unknown
            records = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 5, 4)
                               + socket.inet_aton(address) for address in answers)
            header = struct.pack(">HHHHHH", ident, flags, 1, len(answers), 0, 0)
            self.sock.sendto(header + question + records, peer)

    def stop(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def _application():
    from channels.routing import get_default_application

    return get_default_application()


def _log_action(path, protocol, action, details):
    with open(path, "a") as log:
        log.write(f"{protocol} {action} {details.get('path', '')}\n")


def free_port(hosts) -> int:
    """A port free on every one of `hosts`."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = probe.getsockname()[1]
        try:
            for host in hosts[1:]:
                with socket.socket() as other:
                    other.bind((host, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on every address")


def wait_for(port, host="127.0.0.1", seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {host}:{port}")


def http_get(port, path):
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     f"Connection: close\r\n\r\n".encode())
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    return head.decode(), body


def websocket_first_message(port, path, cookie):
    """A raw WebSocket handshake through the proxy; the status line and the first frame."""
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                      f"Origin: http://127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        head, _, data = data.partition(b"\r\n\r\n")
        status = head.split(b"\r\n")[0].decode()
        if " 101 " not in status:
            return status, None
        while len(data) < 2:
            data += sock.recv(4096)
        length, offset = data[1] & 0x7F, 2
        if length == 126:
            while len(data) < 4:
                data += sock.recv(4096)
            length, offset = struct.unpack(">H", data[2:4])[0], 4
        while len(data) < offset + length:
            data += sock.recv(4096)
        return status, json.loads(data[offset:offset + length])


@pytest.fixture
def replicas(tmp_path, transactional_db):
    """Two daphne processes on one port, at 127.0.0.1 and 127.0.0.2, on the test database;
    each logs the requests and sockets it served."""
    from daphne.testing import DaphneProcess

    port = free_port(REPLICAS)
    connections.close_all()  # a forked child must not share an open connection
    processes, logs = [], []
    for host in REPLICAS:
        log = tmp_path / f"daphne-{host}.log"
        log.touch()
        process = DaphneProcess(host, _application, port=port,
                                kwargs={"action_logger": partial(_log_action, log)})
        process.start()
        processes.append(process)
        logs.append(log)
    try:
        for process in processes:
            assert process.ready.wait(timeout=30), "a daphne process did not start"
        yield port, logs
    finally:
        for process in processes:
            process.terminate()
            process.join(timeout=10)


@pytest.fixture
def caddy(tmp_path, replicas):
    """Caddy with the project's Caddyfile, in front of the replicas, on a free port."""
    binary = shutil.which("caddy")
    assert binary, "make test installs Debian's caddy (scripts/bootstrap.sh)"
    upstream_port, logs = replicas
    dns = FakeDNS("web", REPLICAS)
    source = (ROOT / "Caddyfile").read_text()
    assert "refresh 5s\n" in source and "\treverse_proxy {\n" in source
    rendered = tmp_path / "Caddyfile"
    rendered.write_text(source.replace(
        "refresh 5s\n", f"refresh 5s\n\t\t\tresolvers udp/127.0.0.1:{dns.port}\n"
    ).replace("\treverse_proxy {\n", "\tbind 127.0.0.1\n\treverse_proxy {\n"))
    port = free_port(("127.0.0.1",))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "SITE_ADDRESS": f"http://127.0.0.1:{port}", "UPSTREAM_NAME": "web",
           "UPSTREAM_PORT": str(upstream_port)}
    with (tmp_path / "caddy.log").open("w") as caddy_log:
        process = subprocess.Popen([binary, "run", "--config", str(rendered), "--adapter",
                                    "caddyfile"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=caddy_log)
    try:
        wait_for(port)
        yield port, logs, dns
        print((tmp_path / "caddy.log").read_text()[-3000:])  # shown when the test failed
    finally:
        process.terminate()
        process.wait(timeout=10)
        dns.stop()


def served(log: Path, kind: str) -> int:
    return sum(1 for line in log.read_text().splitlines() if line.startswith(kind))


def test_the_proxy_spreads_http_and_websockets_over_every_web_replica(caddy, user, client):
    port, logs, dns = caddy
    for _ in range(8):
        head, body = http_get(port, "/healthz")
        assert head.startswith("HTTP/1.1 200"), head
        assert json.loads(body)["database"] == "ok"
    assert "web" in dns.queries  # found through DNS, as in compose
    assert all(served(log, "http complete") >= 2 for log in logs), [
        log.read_text() for log in logs]

    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    for _ in range(6):
        status, first = websocket_first_message(port, "/ws/notifications/", cookie)
        assert " 101 " in status, status
        assert first["unread"] == 0  # the signed-in user's bell, from either replica
    assert all(served(log, "websocket connected") >= 2 for log in logs), [
        log.read_text() for log in logs]
