"""A local Telegram Bot API for the real python-telegram-bot.

Answers /bot<token>/<method> as the Bot API does (getMe, getUpdates with long polling,
sendMessage, sendChatAction, answerCallbackQuery, editMessageText, editMessageReplyMarkup,
getFile, deleteWebhook) and serves files at /file/bot<token>/<file_path>; records every
call (a download as `download`), lets tests play a user (`send_text`, `press_button`,
`send_document`, `send_photo`, `send_voice`) and make it fail (a wrong token answers 401,
a `blocked` chat 403, `failures` a 5xx).

As strict as the real API where a bot can get it wrong: a text that is empty or longer
than 4096 characters (UTF-16, after the markup is parsed) is refused, HTML markup must
use Telegram's tags, be balanced and escape <, > and &; an edit must name a message the
bot sent and change it; an unknown file_id is refused. Each refusal is a 400 with the
real description, and the chat keeps what the bot really showed (`shown`).
"""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import re
import threading
import time
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

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
        self.messages: dict[tuple[int, int], dict] = {}  # what each chat shows, by message id
        self.refused: list[tuple[str, str]] = []  # (method, description) of every 4xx
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
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
            self.messages.clear()
            self.files.clear()
            self.refused.clear()

    # --- what tests look at -------------------------------------------------------------
    def calls_to(self, method: str) -> list[dict]:
        with self.cond:
            return [params for name, params in self.calls if name == method]

    def with_previews(self) -> list[tuple[str, dict]]:
        """The messages sent or edited with link previews on (Telegram's default): for
        each of them Telegram's servers would fetch the first link in the text."""
        with self.cond:
            return [(name, params) for name, params in self.calls
                    if name in {"sendMessage", "editMessageText"}
                    and not (params.get("link_preview_options") or {}).get("is_disabled")
                    and not params.get("disable_web_page_preview")]

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

    def shown(self, chat_id: int) -> list[dict]:
        """The bot's messages in a chat as the user sees them now, oldest first."""
        with self.cond:
            return [m for (chat, _id), m in sorted(self.messages.items()) if chat == chat_id]

    # --- playing a user -------------------------------------------------------------------
    def _user(self, chat_id: int, language: str) -> dict:
        return {"id": chat_id, "is_bot": False, "first_name": "Alice", "language_code": language}

    def _message(self, chat_id: int, language: str, chat_type: str = "private",
                 **content) -> dict:
        chat = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Family group"
        return {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": chat, "from": self._user(chat_id if chat_type == "private" else 1, language),
            **content,
        }

    def send_text(self, chat_id: int, text: str, language: str = "en",
                  chat_type: str = "private") -> None:
        """`chat_type` "group" or "supergroup" (a negative chat_id, as Telegram gives them)
        plays a member writing in a group the bot was added to."""
        message = self._message(chat_id, language, chat_type, text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        self._push({"message": message})

    def _file(self, data: bytes, folder: str, extension: str) -> dict:
        number = next(self._ids)
        file_id = f"BQACAgIAAx{number:08d}"
        with self.cond:
            self.files[file_id] = (f"{folder}/file_{number}.{extension}", data)
        return {"file_id": file_id, "file_unique_id": f"AgAD{number:08d}", "file_size": len(data)}

    def send_document(self, chat_id: int, data: bytes, file_name: str, mime_type: str,
                      caption: str = "", language: str = "en") -> None:
        document = {**self._file(data, "documents", file_name.rpartition(".")[2] or "bin"),
                    "file_name": file_name, "mime_type": mime_type}
        extra = {"caption": caption} if caption else {}
        self._push({"message": self._message(chat_id, language, document=document, **extra)})

    def send_photo(self, chat_id: int, data: bytes, width: int, height: int,
                   language: str = "en") -> None:
        """As Telegram does, the photo comes in several sizes; here the largest is `data`."""
        thumb = self._file(data[: max(len(data) // 10, 1)], "photos", "jpg")
        photo = [dict(thumb, width=max(width // 10, 1), height=max(height // 10, 1)),
                 dict(self._file(data, "photos", "jpg"), width=width, height=height)]
        self._push({"message": self._message(chat_id, language, photo=photo)})

    def send_voice(self, chat_id: int, data: bytes, language: str = "en") -> None:
        voice = {**self._file(data, "voice", "oga"), "duration": 2, "mime_type": "audio/ogg"}
        self._push({"message": self._message(chat_id, language, voice=voice)})

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
        if method == "setMyCommands":
            commands = params.get("commands")
            if not isinstance(commands, list) or len(commands) > 100 or not all(
                    re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", "")))
                    and 1 <= len(str(c.get("description", ""))) <= 256 for c in commands):
                return _bad_request("BOT_COMMAND_INVALID")
        if method in {"deleteWebhook", "answerCallbackQuery", "setMyCommands", "sendChatAction"}:
            return 200, {"ok": True, "result": True}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._take_updates(params)}
        if method == "getFile":
            with self.cond:
                found = self.files.get(str(params.get("file_id") or ""))
            if found is None:
                return _bad_request("invalid file_id")
            path, data = found
            return 200, {"ok": True, "result": {
                "file_id": params["file_id"], "file_unique_id": "AgAD" + params["file_id"][-8:],
                "file_size": len(data), "file_path": path}}
        if method in {"sendMessage", "editMessageText", "editMessageReplyMarkup"}:
            return self._message_method(method, params)
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _message_method(self, method: str, params: dict) -> tuple[int, dict]:
        chat_id = int(params.get("chat_id") or 0)
        if chat_id in self.blocked:
            return 403, {"ok": False, "error_code": 403,
                         "description": "Forbidden: bot was blocked by the user"}
        with self.cond:
            if method == "sendMessage":
                key, current = (chat_id, next(self._message_ids)), None
            else:
                key = (chat_id, int(params.get("message_id") or 0))
                current = self.messages.get(key)
                if current is None:
                    return _bad_request("message to edit not found")
            if method == "editMessageReplyMarkup":
                text, sent = current["text"], current.get("sent")
            else:
                sent = params.get("text")
                text, problem = _visible_text(sent, params.get("parse_mode"))
                if problem:
                    return _bad_request(problem)
            markup = params.get("reply_markup") or None
            if current is not None and (current.get("sent"), current.get("reply_markup")) == (
                    sent, markup):
                return _bad_request(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message")
            message = {"message_id": key[1], "date": int(time.time()),
                       "chat": {"id": chat_id, "type": "private"}, "from": BOT, "text": text}
            if markup:
                message["reply_markup"] = markup
            self.messages[key] = dict(message, sent=sent)  # `sent`: the markup, for tests
        return 200, {"ok": True, "result": message}

    def file_content(self, file_path: str) -> bytes | None:
        with self.cond:
            for path, data in self.files.values():
                if path == file_path:
                    return data
        return None

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
                if parts[0] == "file" and len(parts) > 2 and parts[1].startswith("bot"):
                    return self._download(unquote(parts[1][3:]), unquote("/".join(parts[2:])))
                if len(parts) != 2 or not parts[0].startswith("bot"):
                    return self._reply(404, {"ok": False, "error_code": 404,
                                             "description": "Not Found"})
                token, method = parts[0][3:], parts[1]
                params = _parse(raw, self.headers.get("content-type", ""))
                if token != server.token:
                    return self._reply(401, {"ok": False, "error_code": 401,
                                             "description": "Unauthorized"})
                status, body = server.answer(method, params)
                if 400 <= status < 500:
                    with server.cond:
                        server.refused.append((method, body.get("description", "")))
                if method != "getUpdates" or body.get("result"):
                    with server.cond:
                        server.calls.append((method, params))
                        server.cond.notify_all()
                self._reply(status, body)

            def _download(self, token: str, file_path: str):
                if token != server.token:
                    return self._reply(401, {"ok": False, "error_code": 401,
                                             "description": "Unauthorized"})
                data = server.file_content(file_path)
                if data is None:
                    return self._reply(404, {"ok": False, "error_code": 404,
                                             "description": "Not Found"})
                with server.cond:
                    server.calls.append(("download", {"file_path": file_path}))
                    server.cond.notify_all()
                self.send_response(200)
                self.send_header("content-type", "application/octet-stream")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _reply(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                # A long poll the bot gave up on as it stopped has nobody to answer.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
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


def _bad_request(description: str) -> tuple[int, dict]:
    return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                 "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"}
LIMIT = 4096


class _TelegramMarkup(HTMLParser):
    """Telegram's HTML parse mode: its tags only, balanced, <, > and & escaped."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.problem = ""

    def _fail(self, problem: str) -> None:
        self.problem = self.problem or problem

    def handle_starttag(self, tag, attrs):
        if tag not in TELEGRAM_TAGS:
            return self._fail(f"can't parse entities: Unsupported start tag \"{tag}\"")
        if tag == "a" and not dict(attrs).get("href"):
            return self._fail("can't parse entities: Can't find end of href")
        self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._fail(f"can't parse entities: Unsupported start tag \"{tag}\"")

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            return self._fail(f"can't parse entities: Unmatched end tag \"{tag}\"")
        self.stack.pop()

    def handle_data(self, data):
        if "<" in data or ">" in data:
            self._fail("can't parse entities: Unsupported start tag")
        self.text.append(data)

    def handle_entityref(self, name):
        if name not in {"lt", "gt", "amp", "quot"}:
            self._fail(f"can't parse entities: Unsupported HTML entity \"&{name};\"")
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name):
        self.text.append(html.unescape(f"&#{name};"))


def _visible_text(raw, parse_mode) -> tuple[str, str]:
    """The message text as the user sees it, or what Telegram would refuse."""
    if not isinstance(raw, str):
        raw = "" if raw is None else str(raw)
    if parse_mode in (None, ""):
        text = raw
    elif parse_mode == "HTML":
        if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", raw):
            return "", "can't parse entities: Character '&' is reserved"
        parser = _TelegramMarkup()
        parser.feed(raw)
        parser.close()
        if parser.stack and not parser.problem:
            parser._fail(f"can't parse entities: Can't find end tag corresponding to start tag "
                         f"\"{parser.stack[-1]}\"")
        if parser.problem:
            return "", parser.problem
        text = "".join(parser.text)
    else:
        return "", f"unsupported parse_mode {parse_mode}"
    if not text.strip():
        return "", "message text is empty"
    if len(text.encode("utf-16-le")) // 2 > LIMIT:
        return "", "message is too long"
    return text, ""
