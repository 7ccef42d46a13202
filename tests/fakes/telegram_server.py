"""A local Telegram Bot API for the real python-telegram-bot.

Answers /bot<token>/<method> as the Bot API does (getMe, getUpdates with long polling,
sendMessage, answerCallbackQuery, editMessageText, editMessageReplyMarkup, deleteWebhook),
records every call, lets tests play a user (`send_text`, `press_button`) and make it fail
(a wrong token answers 401, a `blocked` chat 403, `fail_next` a 5xx).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT = {
    "id": 7000001, "is_bot": True, "first_name": "Anamnesis", "username": "anamnesis_test_bot",
    "can_join_groups": False, "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class FakeTelegramServer:
    def __init__(self, token: str = "123456:TEST-token", host: str = "127.0.0.1"):  # noqa: S107
        self.token = token
        self.calls: list[tuple[str, dict]] = []
        self.updates: list[dict] = []
        self.blocked: set[int] = set()
        self.failures: list[int] = []
        self.cond = threading.Condition()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self.httpd = ThreadingHTTPServer((host, 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeTelegramServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self) -> None:
        with self.cond:
            self.calls.clear()
            self.updates.clear()
            self.blocked.clear()
            self.failures.clear()

    # --- what tests look at -------------------------------------------------------------
    def calls_to(self, method: str) -> list[dict]:
        with self.cond:
            return [params for name, params in self.calls if name == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [p for name, p in self.calls if name == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {count}× {method} within {timeout}s: {self.calls}")
                self.cond.wait(remaining)

    # --- playing a user -------------------------------------------------------------------
    def _user(self, chat_id: int, language: str) -> dict:
        return {"id": chat_id, "is_bot": False, "first_name": "Alice", "language_code": language}

    def send_text(self, chat_id: int, text: str, language: str = "en") -> None:
        message = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"}, "from": self._user(chat_id, language),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self._push({"message": message})

    def press_button(self, chat_id: int, message: dict, data: str, language: str = "en") -> None:
        self._push({"callback_query": {
            "id": str(next(self._ids)), "from": self._user(chat_id, language),
            "chat_instance": f"ci{chat_id}", "data": data, "message": message,
        }})

    def _push(self, update: dict) -> None:
        with self.cond:
            update["update_id"] = next(self._ids)
            self.updates.append(update)
            self.cond.notify_all()

    # --- the Bot API ------------------------------------------------------------------------
    def answer(self, method: str, params: dict) -> tuple[int, dict]:
        if self.failures:
            status = self.failures.pop(0)
            return status, {"ok": False, "error_code": status, "description": "Bad Gateway"}
        if method == "getMe":
            return 200, {"ok": True, "result": BOT}
        if method in {"deleteWebhook", "answerCallbackQuery", "setMyCommands"}:
            return 200, {"ok": True, "result": True}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._take_updates(params)}
        if method in {"sendMessage", "editMessageText", "editMessageReplyMarkup"}:
            chat_id = int(params.get("chat_id") or 0)
            if chat_id in self.blocked:
                return 403, {"ok": False, "error_code": 403,
                             "description": "Forbidden: bot was blocked by the user"}
            message = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                "from": BOT, "text": params.get("text", ""),
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return 200, {"ok": True, "result": message}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _take_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 0.5)  # short: tests stop quickly
        deadline = time.monotonic() + wait
        with self.cond:
            if offset:  # as Telegram does: an offset confirms every earlier update
                self.updates[:] = [u for u in self.updates if u["update_id"] >= offset]
            while True:
                pending = [u for u in self.updates if u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0:
                    return pending
                self.cond.wait(remaining)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._serve(b"")

            def do_POST(self):
                self._serve(self.rfile.read(int(self.headers.get("content-length") or 0)))

            def _serve(self, raw: bytes):
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) != 2 or not parts[0].startswith("bot"):
                    return self._reply(404, {"ok": False, "error_code": 404,
                                             "description": "Not Found"})
                token, method = parts[0][3:], parts[1]
                params = _parse(raw, self.headers.get("content-type", ""))
                if token != server.token:
                    return self._reply(401, {"ok": False, "error_code": 401,
                                             "description": "Unauthorized"})
                status, body = server.answer(method, params)
                if method != "getUpdates" or body.get("result"):
                    with server.cond:
                        server.calls.append((method, params))
                        server.cond.notify_all()
                self._reply(status, body)

            def _reply(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _parse(raw: bytes, content_type: str) -> dict:
    """python-telegram-bot posts form fields whose complex values are JSON strings."""
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    if "multipart/form-data" in content_type:
        from email.parser import BytesParser
        from email.policy import default

        message = BytesParser(policy=default).parsebytes(
            b"content-type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        fields = {part.get_param("name", header="content-disposition"): part.get_content()
                  for part in message.iter_parts()}
    else:
        fields = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
    return {key: _maybe_json(value) for key, value in fields.items()}


def _maybe_json(value):
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
