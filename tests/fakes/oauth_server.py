"""A local identity provider for tests, speaking the real OAuth 2 / OpenID Connect exchanges.

One HTTP server plays three providers under three prefixes:
- `/oidc/`   generic OpenID Connect (discovery, authorize, token, userinfo, JWKS) as
             Keycloak or Authentik serve it, with PKCE (S256) and a nonce;
- `/github/` GitHub's web flow (`/login/oauth/authorize`, `/login/oauth/access_token`) and
             its REST API (`/api/v3/user`, `/api/v3/user/emails`), as GitHub Enterprise lays out;
- `/google/` Google's authorize, token (with an id_token), userinfo and x509 certificates.

id_tokens are real RS256 JWTs signed with a key generated at start; its public half is
served as a JWKS and as a self-signed certificate.
"""

import base64
import datetime
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KID = "fake-key-1"
DEFAULT_IDENTITY = {
    "sub": "user-123", "email": "carol@example.com", "email_verified": True,
    "name": "Carol Keycloak", "login": "carol",
}


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class FakeIdentityProvider:
    client_id = "anamnesis-client"
    client_secret = "anamnesis-secret"

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.identity = dict(DEFAULT_IDENTITY)
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}  # access token → provider prefix
        self.requests: list[tuple[str, str]] = []  # (method, path) received
        self.token_requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- lifecycle -------------------------------------------------------------------
    def start(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def reset(self):
        self.identity = dict(DEFAULT_IDENTITY)
        self.codes.clear()
        self.tokens.clear()
        self.requests.clear()
        self.token_requests.clear()

    # --- what the providers publish ----------------------------------------------------
    def issuer(self, prefix: str) -> str:
        return f"{self.url}/{prefix}"

    def discovery(self) -> dict:
        base = self.issuer("oidc")
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KID,
            "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e),
        }]}

    def certificate_pem(self) -> str:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-google")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    def id_token(self, prefix: str, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer(prefix), "aud": self.client_id, "iat": now, "exp": now + 300,
            "sub": self.identity["sub"], "email": self.identity["email"],
            "email_verified": self.identity["email_verified"], "name": self.identity["name"],
        }
        if nonce:
            claims["nonce"] = nonce
        pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": KID})

    # --- the exchanges --------------------------------------------------------------
    def authorize(self, prefix: str, query: dict) -> tuple[int, dict, str]:
        if query.get("client_id") != self.client_id or query.get("response_type", "code") != "code":
            return 400, {}, "unknown client or response type"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "prefix": prefix, "redirect_uri": query.get("redirect_uri"),
            "nonce": query.get("nonce"), "challenge": query.get("code_challenge"),
        }
        separator = "&" if "?" in query["redirect_uri"] else "?"
        location = query["redirect_uri"] + separator + urlencode(
            {"code": code, "state": query.get("state", "")}
        )
        return 302, {"Location": location}, ""

    def token(self, prefix: str, form: dict, authorization: str) -> tuple[int, dict]:
        self.token_requests.append(dict(form))
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if (client_id, secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["prefix"] != prefix or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"}
        if grant["challenge"]:
            verifier = form.get("code_verifier", "").encode()
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if expected.decode() != grant["challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE failed"}
        access = secrets.token_urlsafe(24)
        self.tokens[access] = prefix
        body = {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                "scope": "openid email profile"}
        if prefix in {"oidc", "google"}:
            body["id_token"] = self.id_token(prefix, grant["nonce"])
        return 200, body

    def bearer_prefix(self, authorization: str) -> str | None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in {"bearer", "token"}:
            return None
        return self.tokens.get(token)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=None, headers=None):
                data = b"" if body is None else (
                    body.encode() if isinstance(body, str) else json.dumps(body).encode()
                )
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if body is not None and not isinstance(body, str):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                provider.requests.append(("GET", parts.path))
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                prefix, _, rest = parts.path.strip("/").partition("/")
                auth_header = self.headers.get("Authorization", "")
                if rest in {"authorize", "login/oauth/authorize"}:
                    status, headers, text = provider.authorize(prefix, query)
                    return self._send(status, text, headers)
                if prefix == "oidc" and rest == ".well-known/openid-configuration":
                    return self._send(200, provider.discovery())
                if prefix == "oidc" and rest == "jwks":
                    return self._send(200, provider.jwks())
                if prefix == "google" and rest == "certs":
                    return self._send(200, {KID: provider.certificate_pem()})
                if rest in {"userinfo", "api/v3/user", "api/v3/user/emails"}:
                    if provider.bearer_prefix(auth_header) != prefix:
                        return self._send(401, {"error": "invalid_token"})
                    return self._send(200, provider.profile(prefix, rest))
                return self._send(404, {"error": "not found"})

            def do_POST(self):
                parts = urlsplit(self.path)
                provider.requests.append(("POST", parts.path))
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                prefix, _, rest = parts.path.strip("/").partition("/")
                if rest in {"token", "login/oauth/access_token"}:
                    status, body = provider.token(
                        prefix, form, self.headers.get("Authorization", "")
                    )
                    return self._send(status, body)
                return self._send(404, {"error": "not found"})

        return Handler

    def profile(self, prefix: str, rest: str):
        who = self.identity
        if prefix == "github" and rest == "api/v3/user":
            return {"id": 4242, "login": who["login"], "name": who["name"], "email": None}
        if prefix == "github":
            return [{"email": who["email"], "primary": True, "verified": who["email_verified"]}]
        if prefix == "google":
            return {"id": who["sub"], "email": who["email"],
                    "verified_email": who["email_verified"], "name": who["name"]}
        return {"sub": who["sub"], "email": who["email"],
                "email_verified": who["email_verified"], "name": who["name"]}
