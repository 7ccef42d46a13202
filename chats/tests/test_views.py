"""Chat pages: list, new chat and its limit, the chat page, rename/archive/delete, ownership."""

import re
from datetime import timedelta

import pytest
from constance.test.pytest import override_config
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chats import limits
from chats.models import Chat, Message
from skills.models import Skill

pytestmark = pytest.mark.django_db


def test_new_chat_is_a_post_with_an_optional_skill(signed_in_client, user):
    skill = Skill.objects.create(name="Nutritionist", system_prompt="food")
    response = signed_in_client.post(reverse("chats:new"), {"skill": skill.pk})
    chat = Chat.objects.get(user=user)
    assert response.url == reverse("chats:detail", args=[chat.pk])
    assert chat.skill == skill
    assert signed_in_client.get(reverse("chats:new")).status_code == 405


def test_someone_elses_personal_skill_cannot_be_chosen(signed_in_client, user, other_user):
    skill = Skill.objects.create(user=other_user, name="Bob's", system_prompt="x")
    signed_in_client.post(reverse("chats:new"), {"skill": skill.pk}, follow=True)
    assert not Chat.objects.filter(user=user).exists()


def test_chat_limit_counts_archived_chats_and_says_so(signed_in_client, user):
    user.max_chats = 2
    user.save()
    Chat.objects.create(user=user)
    Chat.objects.create(user=user, is_archived=True)
    response = signed_in_client.post(reverse("chats:new"), follow=True)
    assert Chat.objects.filter(user=user).count() == 2
    assert "limit of 2 chats" in response.content.decode()


@override_config(default_max_chats=1)
def test_runtime_default_limit_applies_without_a_personal_one(signed_in_client, user):
    assert limits.chat_limit(user) == 1
    signed_in_client.post(reverse("chats:new"))
    signed_in_client.post(reverse("chats:new"))
    assert Chat.objects.filter(user=user).count() == 1


def test_list_searches_by_title_and_separates_archived(signed_in_client, user, other_user):
    Chat.objects.create(user=user, title="Blood pressure")
    Chat.objects.create(user=user, title="Knee pain")
    Chat.objects.create(user=user, title="Old blood test", is_archived=True)
    Chat.objects.create(user=other_user, title="Zzbob-blood-private")
    page = signed_in_client.get(reverse("chats:index"), {"q": "blood"}).content.decode()
    assert "Blood pressure" in page
    assert "Knee pain" not in page and "Old blood test" not in page and "Zzbob-blood-private" not in page
    archived = signed_in_client.get(reverse("chats:index"), {"archived": "1"}).content.decode()
    assert "Old blood test" in archived and "Knee pain" not in archived


def test_search_finds_a_word_from_a_message_body_of_ones_own_chats(
        signed_in_client, user, other_user):
    mine = Chat.objects.create(user=user, title="Morning questions")
    Message.objects.create(chat=mine, role="user", content="Is ferritin 12 low?")
    Message.objects.create(chat=mine, role="assistant", content="Yes, ferritin of 12 is low.")
    Chat.objects.create(user=user, title="Knee pain")
    bobs = Chat.objects.create(user=other_user, title="Bob's chat")
    Message.objects.create(chat=bobs, role="user", content="my ferritin is 30")
    page = signed_in_client.get(reverse("chats:index"), {"q": "FERRITIN"}).content.decode()
    assert "Morning questions" in page
    assert "Knee pain" not in page and "Bob&#x27;s chat" not in page
    # Listed once, not once per matching message.
    assert page.count(f'href="{reverse("chats:detail", args=[mine.pk])}') == 1


def test_search_takes_the_same_queries_however_many_chats_match(
        signed_in_client, user, django_assert_max_num_queries):
    def chats_with_the_word(count):
        for _ in range(count):
            chat = Chat.objects.create(user=user)
            Message.objects.create(chat=chat, role="user", content="about thyroid")

    chats_with_the_word(1)
    with CaptureQueriesContext(connection) as few:
        signed_in_client.get(reverse("chats:index"), {"q": "thyroid"})
    chats_with_the_word(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = signed_in_client.get(reverse("chats:index"), {"q": "thyroid"}).content.decode()
    assert all(f'href="{reverse("chats:detail", args=[c.pk])}' in page
               for c in Chat.objects.filter(user=user))


def test_rename_archive_delete(signed_in_client, user):
    chat = Chat.objects.create(user=user, title="Old")
    signed_in_client.post(reverse("chats:rename", args=[chat.pk]), {"title": "Thyroid"})
    chat.refresh_from_db()
    assert chat.title == "Thyroid"
    signed_in_client.post(reverse("chats:archive", args=[chat.pk]))
    chat.refresh_from_db()
    assert chat.is_archived
    signed_in_client.post(reverse("chats:delete", args=[chat.pk]))
    assert not Chat.objects.filter(pk=chat.pk).exists()


@pytest.mark.parametrize("name", ["detail", "rename", "archive", "delete"])
def test_another_users_chat_is_404_at_every_url(signed_in_client, other_user, name):
    chat = Chat.objects.create(user=other_user, title="Bob's")
    url = reverse(f"chats:{name}", args=[chat.pk])
    response = signed_in_client.get(url) if name == "detail" else signed_in_client.post(
        url, {"title": "mine now"})
    assert response.status_code == 404
    chat.refresh_from_db()
    assert chat.title == "Bob's" and not chat.is_archived


def test_chat_page_has_the_message_box_and_saved_messages(signed_in_client, user):
    chat = Chat.objects.create(user=user)
    Message.objects.create(chat=chat, role="user", content="Is 120/80 fine?")
    Message.objects.create(chat=chat, role="assistant", content="Yes",
                           metadata={"status": "done", "parts": [
                               {"type": "text", "text": "Yes", "html": "<p><em>Yes</em></p>"},
                               {"type": "tool", "name": "get_memory", "summary": "3 found",
                                "input": {"query": "bp"}, "result": "…"}]})
    page = signed_in_client.get(reverse("chats:detail", args=[chat.pk])).content.decode()
    assert '<textarea id="composer-content" name="content"' in page
    assert "Is 120/80 fine?" in page and "<em>Yes</em>" in page
    assert 'data-tool="get_memory"' in page and "3 found" in page


@pytest.mark.parametrize("language, line", [
    ("en", "1,234 in · 5,678 cached · 90 out"),
    ("ru", "1\xa0234 вход · 5\xa0678 из кэша · 90 выход"),
])
def test_each_answer_shows_its_tokens_in_a_small_line(signed_in_client, user, language, line):
    user.language = language
    user.save()
    chat = Chat.objects.create(user=user)
    Message.objects.create(chat=chat, role="user", content="Hi")
    Message.objects.create(chat=chat, role="assistant", content="Hello", metadata={
        "status": "done", "parts": [{"type": "text", "text": "Hello", "html": "<p>Hello</p>"}],
        "usage": {"input_tokens": 234, "cache_creation_input_tokens": 1000,
                  "cache_read_input_tokens": 5678, "output_tokens": 90}})
    Message.objects.create(chat=chat, role="assistant", content="Old answer",
                           metadata={"status": "done"})  # saved before usage was kept
    page = signed_in_client.get(reverse("chats:detail", args=[chat.pk])).content.decode()
    assert page.count('class="token-usage') == 1
    assert line in page


def test_an_answer_whose_process_died_shows_as_interrupted(signed_in_client, user):
    chat = Chat.objects.create(user=user)
    old = (timezone.now() - timedelta(minutes=10)).isoformat()
    answer = Message.objects.create(chat=chat, role="assistant", content="Half an ans",
                                    metadata={"status": "streaming", "heartbeat": old})
    page = signed_in_client.get(reverse("chats:detail", args=[chat.pk])).content.decode()
    answer.refresh_from_db()
    assert answer.metadata["status"] == "interrupted"
    assert "Half an ans" in page and "interrupted" in page


def _chat_messages(chat, numbers, action):
    """Finished messages numbered `numbers`, every fifth answer with a tool card of
    `action`; even numbers are questions."""
    tool = {"type": "tool", "name": "save_memory", "summary": "Saved", "input": {},
            "data": {"action": {"id": str(action.pk), "state": "applied",
                                "kind": action.kind, "summary": action.summary}}}
    start = timezone.now() - timedelta(days=1)
    Message.objects.bulk_create([
        Message(chat=chat, role="user" if n % 2 == 0 else "assistant", content=f"message {n}",
                created=start + timedelta(seconds=n),
                metadata={"status": "done", "parts": ([tool] if n % 10 == 1 else []) + [
                    {"type": "text", "text": f"m{n}", "html": f"<p>m{n}</p>"}]})
        for n in numbers
    ])


def test_chat_page_queries_do_not_grow_with_the_messages(signed_in_client, user):
    """The same queries, at most 12, for a chat of 4 messages and one of 1,000; the page
    shows the newest PAGE_SIZE and links to the earlier ones."""
    from chats import views
    from chats.models import AssistantAction

    chat = Chat.objects.create(user=user)
    action = AssistantAction.objects.create(user=user, chat=chat, kind="memory.create",
                                            state="applied", summary="Metformin")
    url = reverse("chats:detail", args=[chat.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = signed_in_client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    _chat_messages(chat, range(4), action)
    queries()  # warms the session and runtime-settings caches
    few, page = queries()
    assert "Show earlier messages" not in page
    _chat_messages(chat, range(4, 1000), action)
    many, page = queries()
    assert many == few <= 12
    assert len(re.findall(r'<article id="m-[^"]+" class="chat-message[ "]', page)) == views.PAGE_SIZE
    assert "Show earlier messages" in page and "message 998" in page and "<p>m999</p>" in page


def test_bad_before_parameter_is_not_a_500(signed_in_client, user):
    chat = Chat.objects.create(user=user)
    response = signed_in_client.get(reverse("chats:detail", args=[chat.pk]), {"before": "x"})
    assert response.status_code == 200


def test_sending_is_rate_limited_per_user(user):
    from django.core.cache import cache

    cache.clear()
    allowed = [limits.allow_message(user) for _ in range(limits.MESSAGES_PER_MINUTE + 1)]
    assert allowed[:-1] == [True] * limits.MESSAGES_PER_MINUTE
    assert allowed[-1] is False


def test_each_finished_message_has_a_copy_button_with_its_own_text(signed_in_client, user):
    chat = Chat.objects.create(user=user, title="Copy")
    Message.objects.create(chat=chat, role="user", content="What is <b>TSH</b>?")
    Message.objects.create(chat=chat, role="assistant", content="**TSH** is a hormone.",
                           metadata={"status": "done"})
    page = signed_in_client.get(reverse("chats:detail", args=[chat.pk])).content.decode()
    assert page.count("data-copy-message") == 2
    # The source text is escaped (never markup) and the script is a static file, not inline.
    assert '<template class="message-source">What is &lt;b&gt;TSH&lt;/b&gt;?</template>' in page
    assert '<template class="message-source">**TSH** is a hormone.</template>' in page
    assert "chats/message-actions.js" in page


def test_search_folds_cyrillic_case_in_titles_and_messages(signed_in_client, user):
    # SQLite's LIKE and a C-locale PostgreSQL's ILIKE fold ASCII only: "ферритин" missed
    # "Ферритин" before.
    titled = Chat.objects.create(user=user, title="Ферритин и железо")
    in_message = Chat.objects.create(user=user, title="Утро")
    Message.objects.create(chat=in_message, role="user", content="Мой ГЕМОГЛОБИН снизился?")
    Chat.objects.create(user=user, title="Колено")
    page = signed_in_client.get(reverse("chats:index"), {"q": "ферритин"}).content.decode()
    assert "Ферритин и железо" in page and "Колено" not in page
    page = signed_in_client.get(reverse("chats:index"), {"q": "Гемоглобин"}).content.decode()
    assert reverse("chats:detail", args=[in_message.pk]) in page
    assert reverse("chats:detail", args=[titled.pk]) not in page


def test_search_result_shows_the_matching_words_and_opens_the_chat_at_that_message(
        signed_in_client, user):
    chat = Chat.objects.create(user=user, title="Long chat")
    start = timezone.now() - timedelta(days=1)
    hit = None
    for index in range(120):
        text = f"note {index}"
        if index == 10:
            text = "Earlier I said my <b>tsh</b> was 4.9 in March, is that fine?"
        message = Message.objects.create(chat=chat, role="user", content=text)
        Message.objects.filter(pk=message.pk).update(created=start + timedelta(minutes=index))
        if index == 10:
            hit = message
    page = signed_in_client.get(reverse("chats:index"), {"q": "TSH"}).content.decode()
    # The words around the match, escaped, with the match marked.
    assert "&lt;b&gt;<mark>tsh</mark>&lt;/b&gt; was 4.9 in March" in page
    link = f'{reverse("chats:detail", args=[chat.pk])}?at={hit.pk}#m-{hit.pk}'
    assert f'href="{link}"' in page
    # The message is far older than the newest page, and the link's page holds it.
    assert f'id="m-{hit.pk}"' not in signed_in_client.get(
        reverse("chats:detail", args=[chat.pk])).content.decode()
    opened = signed_in_client.get(link.split("#")[0]).content.decode()
    assert f'id="m-{hit.pk}"' in opened and "Show the latest messages" in opened


def test_a_hit_on_the_newest_page_opens_the_ordinary_chat(signed_in_client, user):
    chat = Chat.objects.create(user=user, title="Short")
    message = Message.objects.create(chat=chat, role="user", content="about ferritin")
    page = signed_in_client.get(reverse("chats:detail", args=[chat.pk]),
                                {"at": str(message.pk)}).content.decode()
    assert f'id="m-{message.pk}"' in page and "Show the latest messages" not in page
