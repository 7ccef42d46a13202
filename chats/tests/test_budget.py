"""The monthly token budget: summed from this month's usage, the runtime default or the
user's own, checked before a chat turn, document extraction and the daily review — and
each user sees their own usage."""

import datetime

import pytest
from constance.test.pytest import override_config
from django.utils import timezone

from chats import budget
from chats.models import Chat, Message, TokenUsage
from tests.fakes.anthropic_server import Reply


def spend(user, tokens, source="chat", day=None):
    TokenUsage.objects.create(user=user, day=day or timezone.localdate(), source=source,
                              model="claude-test", requests=1, input_tokens=tokens)


@pytest.mark.django_db
def test_usage_is_this_months_tokens_of_every_kind_by_source(user, other_user):
    today = timezone.localdate()
    spend(user, 1000, "chat")
    # Cache reads count a tenth and writes 1.25, as the API prices them.
    TokenUsage.objects.create(user=user, day=today, source="document", model="m",
                              input_tokens=100, output_tokens=20, cache_read_tokens=300,
                              cache_creation_tokens=8)
    spend(user, 5000, "chat", day=today.replace(day=1) - datetime.timedelta(days=1))
    spend(other_user, 9999)
    assert budget.used_by_source(user) == {"chat": 1000, "document": 160}
    assert budget.used_this_month(user) == 1160


@pytest.mark.django_db
def test_the_users_own_budget_wins_over_the_default_and_zero_is_unlimited(user):
    spend(user, 1500)
    with override_config(monthly_token_budget=0):
        assert not budget.is_reached(user)
    with override_config(monthly_token_budget=1000):
        assert budget.is_reached(user)
        user.monthly_token_budget = 2000
        assert not budget.is_reached(user)
        user.monthly_token_budget = 0  # this user: unlimited
        assert not budget.is_reached(user)


@pytest.mark.django_db(transaction=True)
async def test_a_chat_turn_over_budget_says_so_and_calls_no_model(fake_anthropic, user,
                                                                  chat_socket):
    from asgiref.sync import sync_to_async

    await sync_to_async(spend)(user, 50_000)
    user.monthly_token_budget = 10_000
    await user.asave(update_fields=["monthly_token_budget"])
    chat = await Chat.objects.acreate(user=user)
    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    await socket.send(action="send", content="What about my pressure?")
    events = await socket.until_finished()
    answer = await Message.objects.aget(chat=chat, role="assistant")
    assert answer.metadata["status"] == "error"
    assert "token budget for this month" in events[-1]["html"]
    assert fake_anthropic.requests == []
    await socket.close()


@pytest.mark.django_db
def test_a_document_over_budget_keeps_its_text_and_its_facts_wait(user, fake_anthropic, client):
    from documents import facts_state, search, tasks
    from documents.tests.conftest import LIPID_EN, text_pdf
    from documents.tests.test_pipeline import make_document

    spend(user, 50_000)
    user.monthly_token_budget = 10_000
    user.save()
    document = make_document(user, text_pdf(LIPID_EN), "application/pdf", "lipids.pdf")
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.status == "completed" and document.facts_status == "waiting"
    assert "atorvastatin" in document.extracted_text
    assert [hit.document_id for hit in search.search(user, "atorvastatin")] == [str(document.pk)]
    assert fake_anthropic.requests == []
    assert not document.is_busy  # the page does not poll while it waits

    client.force_login(user)
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "Waiting for the monthly token budget" in page and 'hx-trigger="every 2s"' not in page

    # Still no budget: the periodic job leaves it waiting, without spending an attempt.
    assert facts_state.extract_waiting() == 0
    # A higher budget: the periodic job extracts the facts.
    user.monthly_token_budget = 0
    user.save()
    fake_anthropic.queue(Reply.tool("record_document", {"doc_type": "lab_result",
                                                        "summary": "Lipids.",
                                                        "findings": [], "lab_values": []}))
    assert facts_state.extract_waiting() == 1
    document.refresh_from_db()
    assert document.facts_status == "done" and len(fake_anthropic.requests) >= 1


@pytest.mark.django_db
def test_the_daily_review_is_skipped_over_budget(user, fake_anthropic):
    from notifications import review

    spend(user, 50_000)
    with override_config(monthly_token_budget=10_000):
        assert review.review(user) == []
    assert fake_anthropic.requests == []


@pytest.mark.django_db
def test_each_user_sees_their_own_usage(client, user, other_user):
    spend(user, 1234, "chat")
    spend(user, 300, "review")
    spend(other_user, 777_777)
    client.force_login(user)
    with override_config(monthly_token_budget=10_000):
        page = client.get("/settings/usage/").content.decode()
    assert "1,534 of 10,000 tokens used this month" in page
    assert "8,466 tokens left" in page
    assert "Chat" in page and "Daily review" in page and "777,777" not in page

    with override_config(monthly_token_budget=1000):
        page = client.get("/settings/usage/").content.decode()
    assert "The budget for this month is used up." in page


@pytest.mark.django_db
def test_usage_page_in_russian(client, user):
    user.language = "ru"
    user.save()
    spend(user, 10)
    client.force_login(user)
    page = client.get("/settings/usage/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Бюджет на месяц" in page


@pytest.mark.django_db
def test_the_admin_sets_a_users_own_budget(client, make_user, user):
    client.force_login(make_user("admin@example.com", role="admin"))
    page = client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'name="monthly_token_budget"' in page


@pytest.mark.django_db
def test_the_default_budget_is_finite(user, settings):
    """No override: a fresh install limits every user until an administrator lifts it."""
    default = settings.CONSTANCE_CONFIG["monthly_token_budget"][0]
    assert 0 < default == budget.budget_of(user)
    spend(user, default - 1)
    assert not budget.is_reached(user)
    spend(user, 1, "document")
    assert budget.is_reached(user)
    with override_config(monthly_token_budget=0):  # the administrator lifts it for everyone
        assert not budget.is_reached(user)
