"""A local Web Push service: accepts encrypted messages the way a browser vendor's push
service does (RFC 8030 delivery, RFC 8291 aes128gcm payloads, RFC 8292 VAPID) and keeps
them, so a test can decrypt one with the subscription's private key.

As strict as the real services where a sender can get it wrong: a missing TTL, another
content encoding, a payload over 4096 bytes, or a VAPID token that is missing, badly
signed, for another audience, expired or too long-lived is refused with the status the
services use. A subscription marked gone answers 410, like an unsubscribed browser.
Tests can also make a subscription answer a redirect (`redirects`: name -> location), any
status with a body of their choosing (`answers`: name -> (status, body)), or one byte at a
time (`dripping`), as a server holding the sender for as long as it can.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_PAYLOAD = 4096
MAX_TOKEN_LIFETIME = 24 * 3600


def _unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class PushMessage:
    subscription: str
    headers: dict  # names in lower case
    body: bytes
    claims: dict


class FakePushService:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.messages: list[PushMessage] = []
        self.gone: set[str] = set()
        self.redirects: dict[str, str] = {}
        self.answers: dict[str, tuple[int, str]] = {}
        self.dripping: set[str] = set()  # answer one byte every half second, for a minute
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                service._receive(self)

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def start(self) -> FakePushService:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.gone.clear()
            self.redirects.clear()
            self.answers.clear()
            self.dripping.clear()

    # --- The protocol ---------------------------------------------------------------

    def _receive(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        if not request.path.startswith("/push/"):
            return self._answer(request, 404, "no such subscription")
        name = request.path.removeprefix("/push/")
        if name in self.gone:
            return self._answer(request, 410, "the subscription has expired or was removed")
        if name in self.redirects:
            request.send_response(307)
            request.send_header("Location", self.redirects[name])
            request.send_header("Content-Length", "0")
            request.end_headers()
            return None
        if name in self.dripping:  # never slow enough for a read timeout to notice
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the sender gave up
                for byte in b"HTTP/1.1 201 Created\r\n" * 6:
                    request.wfile.write(bytes([byte]))
                    request.wfile.flush()
                    time.sleep(0.5)
            return None
        if name in self.answers:
            status, text = self.answers[name]
            return self._answer(request, status, text)
        if request.headers.get("TTL") is None or not request.headers["TTL"].isdigit():
            return self._answer(request, 400, "missing or invalid TTL header")
        if body and request.headers.get("Content-Encoding") != "aes128gcm":
            return self._answer(request, 415, "payloads must use the aes128gcm encoding")
        if len(body) > MAX_PAYLOAD:
            return self._answer(request, 413, "payload too large")
        claims, error = self._check_vapid(request.headers.get("Authorization", ""))
        if error:
            return self._answer(request, 401 if "missing" in error else 403, error)
        with self.lock:
            self.messages.append(PushMessage(name, {key.lower(): value for key, value in request.headers.items()},
                                             body, claims))
        request.send_response(201)
        request.send_header("Location", f"{self.origin}/message/{len(self.messages)}")
        request.send_header("Content-Length", "0")
        request.end_headers()

    def _check_vapid(self, authorization: str) -> tuple[dict, str]:
        """RFC 8292: `vapid t=<JWT>, k=<public key>`, an ES256 JWT for this origin."""
        if not authorization.lower().startswith("vapid "):
            return {}, "missing VAPID authorization"
        parts = dict(
            item.strip().split("=", 1) for item in authorization[6:].split(",") if "=" in item
        )
        token, key = parts.get("t"), parts.get("k")
        if not token or not key:
            return {}, "missing VAPID token or key"
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(_unb64(header_b64))
            claims = json.loads(_unb64(claims_b64))
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(key))
            signature = _unb64(signature_b64)
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except (ValueError, InvalidSignature):
            return {}, "bad VAPID signature"
        if header.get("alg") != "ES256":
            return {}, "VAPID tokens must be ES256"
        if claims.get("aud") != self.origin:
            return {}, "VAPID audience does not match the push service"
        now = time.time()
        if not isinstance(claims.get("exp"), int) or not now < claims["exp"] <= now + MAX_TOKEN_LIFETIME:
            return {}, "VAPID token expired or valid for more than 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return {}, "VAPID sub must be a mailto: or https: contact"
        return claims, ""

    def _answer(self, request, status: int, reason: str) -> None:
        body = json.dumps({"code": status, "message": reason}).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
