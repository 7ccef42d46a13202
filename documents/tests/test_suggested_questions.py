"""Questions the assistant suggests for the next appointment (issue 24, item 6): the tool
keeps one (or, in a turn that read outside text, proposes it), the appointment form offers
it ticked and marked as the assistant's, and the PDF's questions page prints it so marked —
read back from the real PDF."""

import pymupdf
import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from chats.assistant import turns
from chats.models import AssistantAction, Chat
from documents import search
from documents.models import AppointmentQuestion, Document
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Should my ferritin be rechecked before raising the iron dose?"


def pdf_pages(response) -> list[str]:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pymupdf.open(stream=b"".join(response.streaming_content), filetype="pdf")
    return [page.get_text() for page in pdf]


async def ask(user, text: str) -> Chat:
    chat = await Chat.objects.acreate(user=user)
    task = await turns.start(user, chat.pk, text)
    await task
    return chat


async def test_a_suggested_question_is_on_the_form_and_marked_in_the_pdf(
        user, other_user, fake_anthropic):
    fake_anthropic.queue(Reply.tool("suggest_appointment_question", {"question": QUESTION}),
                         Reply.text("I added a question for your appointment."))
    await ask(user, "My ferritin is low again, what should I ask my doctor?")
    question = await AppointmentQuestion.objects.aget(user=user)
    assert question.text == QUESTION
    action = await AssistantAction.objects.aget(user=user, kind="documents.question")
    assert (action.state, action.target_id) == ("applied", str(question.pk))
    tool_result = fake_anthropic.requests[1]["messages"][-1]["content"][0]["content"]
    assert "Added the question" in tool_result

    def on_the_form_then_in_the_pdf():
        client = Client()
        client.force_login(user)
        page = client.get(reverse("pdfs:appointment")).content.decode()
        assert 'data-testid="suggested-questions"' in page
        assert "Suggested by the assistant" in page and QUESTION in page
        assert f'name="suggested" value="{question.pk}" checked' in page

        # Kept (ticked): on the questions page after the user's own, marked as suggested.
        last = pdf_pages(client.post(reverse("pdfs:appointment"), {
            "questions": "Can I stop the statin?", "suggested": [str(question.pk)]}))[-1]
        assert "My questions" in last and "Can I stop the statin?" in last
        flat = " ".join(last.split())
        assert f"{QUESTION} (suggested by the assistant)" in flat
        assert flat.index("Can I stop the statin?") < flat.index("ferritin be rechecked")
        # Not ticked: not printed. Another user's id is ignored.
        stranger = AppointmentQuestion.objects.create(user=other_user, text="Bob's question?")
        last = pdf_pages(client.post(reverse("pdfs:appointment"), {
            "questions": "Can I stop the statin?", "suggested": [str(stranger.pk)]}))[-1]
        assert "ferritin be rechecked" not in last and "Bob's question" not in last

        # Another user can neither see nor remove it.
        other = Client()
        other.force_login(other_user)
        assert QUESTION not in other.get(reverse("pdfs:appointment")).content.decode()
        remove = reverse("pdfs:appointment_question_remove", args=[question.pk])
        assert other.post(remove).status_code == 404
        assert AppointmentQuestion.objects.filter(pk=question.pk).exists()

        # Removed by the user: gone from the form, its action undone.
        assert client.post(remove).status_code == 302
        assert not AppointmentQuestion.objects.filter(user=user).exists()
        action.refresh_from_db()
        assert action.state == "undone"
        assert QUESTION not in client.get(reverse("pdfs:appointment")).content.decode()

    await sync_to_async(on_the_form_then_in_the_pdf)()


async def test_in_a_turn_that_read_a_document_the_question_waits_for_confirm(
        user, fake_anthropic):
    def indexed():
        document = Document.objects.create(
            user=user, filename="ferritin.txt", mime_type="text/plain", sha256="f",
            extracted_text="Ferritin 11 ng/mL (15-150) LOW. Ask about an iron infusion.",
            status=Document.Status.COMPLETED)
        search.index_document(document)

    await sync_to_async(indexed)()
    fake_anthropic.queue(Reply.tool("search_documents", {"query": "ferritin"}),
                         Reply.tool("suggest_appointment_question",
                                    {"question": "Do I need an iron infusion?"}),
                         Reply.text("It waits for you."))
    await ask(user, "What did my lab say about ferritin?")
    assert not await AppointmentQuestion.objects.filter(user=user).aexists()
    action = await AssistantAction.objects.aget(user=user, kind="documents.question")
    assert action.state == "proposed"

    def confirmed_on_the_form():
        client = Client()
        client.force_login(user)
        page = client.get(reverse("pdfs:appointment")).content.decode()
        assert 'data-testid="waiting-questions"' in page and "Do I need an iron infusion?" in page
        assert 'data-testid="suggested-questions"' not in page
        client.post(reverse("chats:action_confirm", args=[action.pk]),
                    {"next": reverse("pdfs:appointment")})
        question = AppointmentQuestion.objects.get(user=user)
        assert question.text == "Do I need an iron infusion?"
        page = client.get(reverse("pdfs:appointment")).content.decode()
        assert f'value="{question.pk}" checked' in page
        assert 'data-testid="waiting-questions"' not in page

    await sync_to_async(confirmed_on_the_form)()


def test_the_same_question_twice_and_an_empty_one_are_refused(user):
    from chats.tool_registry import ToolContext, get

    tool = get("suggest_appointment_question")
    assert not tool.run(ToolContext(user=user), {"question": QUESTION}).is_error
    again = tool.run(ToolContext(user=user), {"question": QUESTION.upper().rstrip("?")})
    assert again.is_error and "already on the list" in again.content
    assert tool.run(ToolContext(user=user), {"question": "   "}).is_error
    assert AppointmentQuestion.objects.filter(user=user).count() == 1


def test_the_pdf_marks_it_in_russian(user, client):
    from chats import actions

    user.language = "ru"
    user.save()
    actions.perform(user, "documents.question", {"text": "Нужно ли повторить ферритин?"},
                    summary="q")
    question = AppointmentQuestion.objects.get(user=user)
    client.force_login(user)
    last = pdf_pages(client.post(reverse("pdfs:appointment"),
                                 {"suggested": [str(question.pk)]}))[-1]
    assert "Мои вопросы" in last
    assert "Нужно ли повторить ферритин? (предложен ассистентом)" in " ".join(last.split())
