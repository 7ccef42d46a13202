"""The assistant on Telegram: the real python-telegram-bot against the fake Bot API
(tests/fakes/telegram_server.py), the real assistant turn against the fake Messages API,
real PDFs made with pymupdf and processed by the real pipeline."""

import asyncio
import io
from datetime import time

import pymupdf
import pytest
from asgiref.sync import sync_to_async
from django_q.conf import Conf

from chats.models import Chat, Message
from documents.models import Document
from notifications.models import NotificationPreference
from skills.models import Skill
from telegram_bot.bot import build_application
from tests.fakes.anthropic_server import Reply
from tests.fakes.telegram_server import _visible_text

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 556001
ANSWER = ("**LDL** below 3.0 mmol/L is the usual target for you. "
          "Keep taking atorvastatin as prescribed & recheck in three months.")
ANSWER_SHOWN = ("LDL below 3.0 mmol/L is the usual target for you. "
                "Keep taking atorvastatin as prescribed & recheck in three months.")


async def run_bot(server, until, seconds=60.0):
    """Runs the real Application with long polling until `until()` is true."""
    application = build_application(server.token)
    async with application:
        await application.updater.start_polling(poll_interval=0.05, timeout=1)
        await application.start()
        try:
            async with asyncio.timeout(seconds):
                while not await until():
                    await asyncio.sleep(0.05)
        finally:
            await application.updater.stop()
            await application.stop()


def texts(server, chat_id=CHAT) -> list[str]:
    return [m["text"] for m in server.shown(chat_id)]


def lipid_pdf() -> bytes:
    pdf = pymupdf.open()
    page = pdf.new_page()
    for y, line in enumerate(["City Lab - Lipid panel", "LDL cholesterol 4.0 mmol/L HIGH"]):
        page.insert_text((72, 72 + 20 * y), line, fontsize=12)
    return pdf.tobytes()


async def linked(make_user, **fields):
    return await sync_to_async(make_user)("tg@example.com", telegram_chat_id=CHAT, **fields)


async def test_linked_text_is_answered_by_editing_and_is_in_the_web_chat(
        fake_anthropic, make_user, telegram_server, client):
    owner = await linked(make_user)
    # Quiet hours all day: they hold reminders, never answers.
    await NotificationPreference.objects.acreate(user=owner, quiet_hours_start=time(0),
                                                 quiet_hours_end=time(23, 59))
    fake_anthropic.queue(Reply.text(ANSWER, delay=0.1, chunk_size=4))
    telegram_server.send_text(CHAT, "What is my LDL target?")

    async def answered():
        return texts(telegram_server)[-1:] == [ANSWER_SHOWN]

    await run_bot(telegram_server, answered)
    assert not telegram_server.refused
    sent = telegram_server.calls_to("sendMessage")
    edits = telegram_server.calls_to("editMessageText")
    assert [c["text"] for c in sent] == ["…"]  # one message, grown by editing
    assert len(edits) >= 2  # streamed: seen partial before the end
    assert edits[-1]["parse_mode"] == "HTML" and "<b>LDL</b>" in edits[-1]["text"]
    assert "What is my LDL target?" in str(fake_anthropic.last_request["messages"])

    chat = await Chat.objects.aget(user=owner)
    assert chat.title == "Telegram"
    rows = [(m.role, m.content) async for m in Message.objects.filter(chat=chat)]
    assert rows == [("user", "What is my LDL target?"), ("assistant", ANSWER)]
    await sync_to_async(client.force_login)(owner)
    page = (await sync_to_async(client.get)(f"/chats/{chat.pk}/")).content.decode()
    assert "What is my LDL target?" in page and "<strong>LDL</strong>" in page

    # The same chat goes on; /new starts another.
    fake_anthropic.queue(Reply.text("You are welcome."), Reply.text("Hello again."))
    telegram_server.send_text(CHAT, "Thanks")
    telegram_server.send_text(CHAT, "/new")
    await run_bot(telegram_server, lambda: _has(telegram_server, "A new chat is started."))
    telegram_server.send_text(CHAT, "Hi")
    await run_bot(telegram_server, lambda: _has(telegram_server, "Hello again."))
    chats = [c async for c in Chat.objects.filter(user=owner).order_by("created")]
    assert [c.title for c in chats] == ["Telegram", "Telegram"]
    assert await Message.objects.filter(chat=chats[0]).acount() == 4
    assert [m.content async for m in Message.objects.filter(chat=chats[1])] == [
        "Hi", "Hello again."]


async def test_a_long_answer_continues_in_further_messages(
        fake_anthropic, make_user, telegram_server):
    await linked(make_user)
    paragraphs = [f"Point {n}: " + "check <LDL> & HDL, **then** rest. " * 12 for n in range(24)]
    fake_anthropic.queue(Reply.text("\n\n".join(paragraphs), delay=0.002, chunk_size=40))
    telegram_server.send_text(CHAT, "Tell me everything")

    async def done():
        return await sync_to_async(
            Message.objects.filter(role="assistant", metadata__status="done").exists)() and (
            "Point 23" in "".join(texts(telegram_server)))

    await run_bot(telegram_server, done)
    shown = texts(telegram_server)
    assert len(shown) >= 3
    assert all(len(text) <= 4096 for text in shown)
    assert all(f"Point {n}:" in "".join(shown) for n in range(24))
    assert "check <LDL> & HDL, then rest." in shown[0]
    assert not telegram_server.refused


async def test_stop_under_the_answer_stops_it_and_keeps_what_arrived(
        fake_anthropic, make_user, telegram_server):
    await linked(make_user)
    fake_anthropic.queue(Reply.text("Slowly, word by word. " * 40, delay=0.15, chunk_size=4))
    telegram_server.send_text(CHAT, "Explain slowly")

    def stop_button():
        for message in telegram_server.shown(CHAT):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                if row[0]["callback_data"].startswith("stopanswer:"):
                    return message, row[0]
        return None

    async def stopped():
        answer = await Message.objects.filter(role="assistant").afirst()
        return answer is not None and answer.metadata["status"] == "stopped" and (
            "Stopped" in texts(telegram_server)[-1])

    async def press_when_growing_then_wait():
        found = stop_button()
        if found and "Slowly" in found[0]["text"] and not telegram_server.calls_to(
                "answerCallbackQuery"):
            message, button = found
            telegram_server.press_button(CHAT, {k: v for k, v in message.items() if k != "sent"},
                                         button["callback_data"])
        return await stopped()

    await run_bot(telegram_server, press_when_growing_then_wait)
    answer = await Message.objects.filter(role="assistant").afirst()
    assert answer.content.startswith("Slowly") and len(answer.content) < 40 * 22
    assert telegram_server.calls_to("answerCallbackQuery")[0]["text"] == "Stopping the answer…"
    assert stop_button() is None  # the button went with the end of the answer
    assert not telegram_server.refused


async def test_tools_run_for_the_linked_user_and_show_as_a_short_line(
        fake_anthropic, make_user, telegram_server):
    from memory.models import MemoryEntry

    owner = await linked(make_user)
    fake_anthropic.queue(
        Reply.tool("save_memory", {"title": "Metformin 500 mg", "category": "medication",
                                   "importance": "high", "content": "twice a day"},
                   text="I'll remember that."),
        Reply.text("Saved: you take metformin."),
    )
    telegram_server.send_text(CHAT, "Remember that I take metformin 500 mg twice a day")

    async def answered():
        return await _has(telegram_server, "Saved: you take metformin.")

    await run_bot(telegram_server, answered)
    entry = await MemoryEntry.objects.aget(user=owner)
    assert entry.title == "Metformin 500 mg"
    [shown] = texts(telegram_server)
    assert shown == ("I'll remember that.\n\n🔧 Memory — Saved to memory: Metformin 500 mg\n\n"
                     "Saved: you take metformin.")


async def test_a_spent_budget_gets_the_webs_message_and_asks_nothing(
        fake_anthropic, make_user, telegram_server):
    from django.utils import timezone

    from chats.models import TokenUsage

    owner = await linked(make_user, monthly_token_budget=1000)
    await TokenUsage.objects.acreate(user=owner, day=timezone.localdate(), source="chat",
                                     model="m", input_tokens=1500)
    telegram_server.send_text(CHAT, "Hello")

    async def replied():
        return await _has(telegram_server, "token budget")

    await run_bot(telegram_server, replied)
    assert texts(telegram_server)[-1].startswith("⚠️ You have used your token budget")
    assert not fake_anthropic.requests


async def test_sending_too_fast_is_refused_with_the_webs_message(
        fake_anthropic, make_user, telegram_server, monkeypatch):
    monkeypatch.setattr("chats.limits.MESSAGES_PER_MINUTE", 0)
    await linked(make_user, language="ru")
    telegram_server.send_text(CHAT, "Привет")

    async def replied():
        return bool(texts(telegram_server))

    await run_bot(telegram_server, replied)
    assert texts(telegram_server) == [
        "Вы отправляете сообщения слишком часто. Подождите минуту и попробуйте снова."]
    assert not fake_anthropic.requests


async def _has(server, fragment):
    return any(fragment in text for text in texts(server))


async def test_unlinked_chat_gets_only_the_linking_instructions(
        fake_anthropic, make_user, telegram_server):
    owner = await linked(make_user)
    await Chat.objects.acreate(user=owner, title="Private")
    stranger = CHAT + 7
    telegram_server.send_text(stranger, "Show me the last lab results")
    telegram_server.send_text(stranger, "/new")
    telegram_server.send_text(stranger, "/skill")
    telegram_server.send_document(stranger, lipid_pdf(), "lipids.pdf", "application/pdf")
    telegram_server.send_text(stranger + 1, "Покажи анализы", language="ru")

    async def replied():
        return len(texts(telegram_server, stranger)) == 4 and texts(telegram_server, stranger + 1)

    await run_bot(telegram_server, replied)
    replies = texts(telegram_server, stranger)
    assert all(r.startswith("This chat is not linked to an Anamnesis account.") for r in replies)
    assert "не привязан" in texts(telegram_server, stranger + 1)[0]
    assert not telegram_server.calls_to("getFile") and not telegram_server.calls_to("download")
    assert not fake_anthropic.requests
    assert await Chat.objects.acount() == 1 and await Message.objects.acount() == 0
    assert await Document.objects.acount() == 0


async def test_a_pdf_sent_to_the_bot_becomes_a_processed_document(
        make_user, telegram_server, settings, monkeypatch):
    settings.ANTHROPIC_API_KEY = ""  # text and search only: no facts from a model
    monkeypatch.setattr(Conf, "SYNC", True)  # the broker runs the job in this process
    owner = await linked(make_user)
    pdf = lipid_pdf()
    telegram_server.send_document(CHAT, pdf, "lipids.pdf", "application/pdf")

    async def processed():
        return await _has(telegram_server, "is processed")

    await run_bot(telegram_server, processed)
    document = await Document.objects.aget(user=owner)
    assert document.filename == "lipids.pdf" and document.mime_type == "application/pdf"
    assert document.status == "completed"
    assert "LDL cholesterol 4.0" in document.extracted_text
    assert telegram_server.calls_to("download")
    assert texts(telegram_server) == [
        "Received “lipids.pdf”. Processing it; I will tell you when it is done.",
        "“lipids.pdf” is processed and saved to your documents. You can ask about it now.",
    ]

    telegram_server.send_document(CHAT, pdf, "again.pdf", "application/pdf")
    await run_bot(telegram_server, lambda: _has(telegram_server, "already in your documents"))
    assert await Document.objects.acount() == 1


async def test_a_pdf_with_a_question_is_answered_with_its_text(
        fake_anthropic, make_user, telegram_server, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)  # the broker runs the job in this process

    def respond(body):
        if (body.get("tool_choice") or {}).get("type") == "tool":  # the document's facts
            return Reply.tool("record_document", {"doc_type": "lab_result", "summary": "Lipids.",
                                                  "findings": [], "lab_values": []})
        return Reply.text(ANSWER)
    fake_anthropic.responder = respond
    owner = await linked(make_user)
    telegram_server.send_document(CHAT, lipid_pdf(), "lipids.pdf", "application/pdf",
                                  caption="Is this LDL too high?")

    async def answered():
        return texts(telegram_server)[-1:] == [ANSWER_SHOWN]

    await run_bot(telegram_server, answered)
    question = await Message.objects.aget(chat__user=owner, role="user")
    document = await Document.objects.aget(user=owner)
    assert question.content == "Is this LDL too high?"
    assert question.metadata["attachments"] == [{"id": str(document.pk), "name": "lipids.pdf"}]
    [request] = [body for body in fake_anthropic.requests if "tool_choice" not in body]
    turn = [block["text"] for block in request["messages"][-1]["content"]]
    assert turn[0].startswith('<data source="attachment" title="lipids.pdf">')
    assert "LDL cholesterol 4.0" in turn[0]
    assert turn[-1] == "Is this LDL too high?"


async def test_a_photo_sent_to_the_bot_is_read_by_ocr(
        make_user, telegram_server, settings, monkeypatch):
    from PIL import Image, ImageDraw, ImageFont

    settings.ANTHROPIC_API_KEY = ""
    monkeypatch.setattr(Conf, "SYNC", True)
    owner = await linked(make_user)
    image = Image.new("RGB", (1400, 300), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 48)
    ImageDraw.Draw(image).text((40, 100), "Metformin 500 mg twice daily", font=font, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    telegram_server.send_photo(CHAT, buffer.getvalue(), 1400, 300)

    async def processed():
        return await _has(telegram_server, "is processed")

    await run_bot(telegram_server, processed)
    document = await Document.objects.aget(user=owner)
    assert document.mime_type == "image/jpeg" and document.status == "completed"
    assert "Metformin" in document.extracted_text
    # The largest of the sizes Telegram offers was fetched, not the thumbnail.
    assert document.file_size == len(buffer.getvalue())


async def test_voice_and_other_kinds_are_refused_politely(make_user, telegram_server):
    await linked(make_user, language="ru")
    telegram_server.send_voice(CHAT, b"OggS voice")

    async def replied():
        return bool(texts(telegram_server))

    await run_bot(telegram_server, replied)
    assert "Голосовые сообщения" in texts(telegram_server)[0]
    assert not telegram_server.calls_to("getFile")


async def test_not_configured_says_so_in_the_users_language(make_user, telegram_server, settings):
    settings.ANTHROPIC_API_KEY = ""
    owner = await linked(make_user, language="ru")
    telegram_server.send_text(CHAT, "Привет")

    async def replied():
        return any("ANTHROPIC_API_KEY" in text for text in texts(telegram_server))

    await run_bot(telegram_server, replied)
    assert "Ассистент не настроен" in texts(telegram_server)[-1]
    assert await Message.objects.filter(chat__user=owner, role="user").acount() == 1


async def test_skill_menu_offers_general_and_own_specialists_only(make_user, telegram_server):
    owner = await linked(make_user)
    stranger = await sync_to_async(make_user)("eve@example.com")
    general = await Skill.objects.acreate(name="Cardiologist", system_prompt="Heart.")
    own = await Skill.objects.acreate(user=owner, name="My diabetes coach", system_prompt="x")
    theirs = await Skill.objects.acreate(user=stranger, name="Eve's secret", system_prompt="x")
    telegram_server.send_text(CHAT, "/skill")

    async def menu():
        return bool(telegram_server.calls_to("sendMessage"))

    await run_bot(telegram_server, menu)
    [offer] = telegram_server.shown(CHAT)
    buttons = [row[0] for row in offer["reply_markup"]["inline_keyboard"]]
    offered = [b["callback_data"] for b in buttons]
    # The general assistant, the general specialists (those a fresh install brings too, when
    # the database still has them), then the user's own; never another user's.
    assert offered[0] == "skill:general" and offered[-1] == f"skill:{own.pk}"
    assert f"skill:{general.pk}" in offered and f"skill:{theirs.pk}" not in offered
    message = {k: v for k, v in offer.items() if k != "sent"}
    telegram_server.press_button(CHAT, message, f"skill:{theirs.pk}")
    telegram_server.press_button(CHAT, message, f"skill:{own.pk}")

    async def picked():
        return len(telegram_server.calls_to("answerCallbackQuery")) == 2 and (
            telegram_server.calls_to("editMessageText"))

    await run_bot(telegram_server, picked)
    answers = [c["text"] for c in telegram_server.calls_to("answerCallbackQuery")]
    assert answers == ["This specialist is not available.",
                       "New chat with My diabetes coach. Write your question."]
    chat = await Chat.objects.select_related("skill").aget(user=owner)
    assert chat.skill == own and chat.title == "Telegram · My diabetes coach"
    assert not await Chat.objects.filter(skill=theirs).aexists()


async def test_the_command_menu_is_published_in_both_languages(telegram_server):
    from telegram_bot.conversation import publish_commands

    application = build_application(telegram_server.token)
    async with application:
        await publish_commands(application)
    menus = {c.get("language_code"): [d["command"] for d in c["commands"]]
             for c in telegram_server.calls_to("setMyCommands")}
    assert menus == {None: ["new", "skill", "help", "stop"],
                     "ru": ["new", "skill", "help", "stop"]}
    russian = telegram_server.calls_to("setMyCommands")[1]["commands"]
    assert russian[0]["description"] == "Начать новый чат"
    assert not telegram_server.refused


def test_long_answers_are_split_into_valid_telegram_messages():
    from chats.markdown import render_markdown
    from telegram_bot.formatting import messages_for

    paragraphs = [f"Paragraph {n}: " + "cholesterol <LDL> & HDL " * 30 for n in range(20)]
    text = "\n\n".join(paragraphs) + "\n\n```\n" + "x = 1\n" * 900 + "```"
    state = {"status": "error", "error": "The AI service is overloaded.",
             "parts": [{"type": "text", "text": text, "html": render_markdown(text)},
                       {"type": "tool", "name": "save_memory", "summary": "Remembered: LDL",
                        "status": "done"}]}
    messages = messages_for(state)
    assert len(messages) >= 4
    shown = []
    for message in messages:
        visible, problem = _visible_text(message, "HTML")
        assert not problem, (problem, message[:200])
        shown.append(visible)
    everything = "\n".join(shown)
    assert all(p.split(":")[0] in everything for p in paragraphs)
    assert "cholesterol <LDL> & HDL" in everything
    assert "🔧 Memory — Remembered: LDL" in everything
    assert everything.endswith("⚠️ The AI service is overloaded.")
