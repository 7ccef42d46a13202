"""Exporting one chat: Markdown with a header and each message's role and time, a real
PDF (read back with PyMuPDF) that keeps Cyrillic, and 404 for anyone but the owner."""

import pymupdf
import pytest
from django.urls import reverse

from chats.models import Chat, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(user):
    chat = Chat.objects.create(user=user, title="Ферритин и железо")
    Message.objects.create(chat=chat, role="user", content="Мой ферритин 12, это мало?")
    Message.objects.create(chat=chat, role="assistant", content="**Да**, ферритин 12 — низкий.",
                           metadata={"status": "done"})
    Message.objects.create(chat=chat, role="tool", content="internal tool row")
    return chat


def test_markdown_has_a_header_and_each_messages_role_and_time(signed_in_client, chat):
    response = signed_in_client.get(reverse("chats:export_md", args=[chat.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("# Ферритин и железо\n")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert len(headings) == 2
    assert headings[0].startswith("## You · ") and headings[1].startswith("## Assistant · ")
    assert "Мой ферритин 12, это мало?" in text and "**Да**, ферритин 12 — низкий." in text
    assert "internal tool row" not in text


def test_pdf_is_a_real_pdf_with_the_cyrillic_text(signed_in_client, chat):
    response = signed_in_client.get(reverse("chats:export_pdf", args=[chat.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = pymupdf.open(stream=response.content, filetype="pdf")
    text = " ".join(" ".join(page.get_text().split()) for page in pdf)
    assert "Ферритин и железо" in text
    assert "Мой ферритин 12, это мало?" in text and "ферритин 12 — низкий" in text
    assert "**" not in text  # the answer's Markdown is rendered, not printed


@pytest.mark.parametrize("name", ["export_md", "export_pdf"])
def test_another_users_chat_cannot_be_exported(signed_in_client, other_user, name):
    chat = Chat.objects.create(user=other_user, title="Bob's")
    Message.objects.create(chat=chat, role="user", content="private")
    assert signed_in_client.get(reverse(f"chats:{name}", args=[chat.pk])).status_code == 404


def long_chat(user, count):
    """`count` messages a minute apart, alternating question and answer."""
    import datetime

    from django.utils import timezone

    chat = Chat.objects.create(user=user, title="Long")
    start = timezone.now() - datetime.timedelta(days=30)
    rows = Message.objects.bulk_create(
        Message(chat=chat, role="user" if n % 2 == 0 else "assistant",
                content=f"Message number {n:04d}.") for n in range(count))
    for n, row in enumerate(rows):
        Message.objects.filter(pk=row.pk).update(
            created=start + datetime.timedelta(minutes=n))
    return chat


def test_a_long_chats_pdf_holds_the_newest_messages_and_says_what_it_left_out(
        signed_in_client, user):
    """Issue 22, item 5: the PDF is rendered in the request, so it is bounded."""
    from chats import export

    chat = long_chat(user, export.MAX_PDF_MESSAGES + 50)
    response = signed_in_client.get(reverse("chats:export_pdf", args=[chat.pk]))
    assert response.status_code == 200
    pdf = pymupdf.open(stream=response.content, filetype="pdf")
    text = " ".join(" ".join(page.get_text().split()) for page in pdf)
    assert "Message number 0049." not in text and "Message number 0050." in text
    assert f"Message number {export.MAX_PDF_MESSAGES + 49:04d}." in text
    assert "50 earlier messages are not in this PDF" in text
    # The Markdown export, cheap to make, still has the whole chat.
    markdown = signed_in_client.get(reverse("chats:export_md", args=[chat.pk])).content
    assert b"Message number 0000." in markdown


def test_pdf_exports_are_rate_limited_like_the_reports(signed_in_client, chat):
    from django.core.cache import cache

    from accounts import rate_limits

    cache.clear()
    url = reverse("chats:export_pdf", args=[chat.pk])
    for _ in range(rate_limits.LIMITS["compile"].count):
        assert signed_in_client.get(url).status_code == 200
    response = signed_in_client.get(url)
    assert response.status_code == 429
    assert "Wait a while" in response.content.decode()
    cache.clear()


def test_a_pdf_holds_at_most_its_budget_of_text(signed_in_client, user, monkeypatch):
    from chats import export

    monkeypatch.setattr(export, "MAX_PDF_CHARS", 1000)
    chat = Chat.objects.create(user=user, title="Wordy")
    for n in range(3):
        Message.objects.create(chat=chat, role="assistant", content=f"Answer {n}. " + "x" * 600)
    pdf = pymupdf.open(stream=signed_in_client.get(
        reverse("chats:export_pdf", args=[chat.pk])).content, filetype="pdf")
    text = " ".join(" ".join(page.get_text().split()) for page in pdf)
    assert "Answer 2." in text and "Answer 1." not in text
    assert "2 earlier messages are not in this PDF" in text
