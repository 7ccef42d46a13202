"""Editing any question makes a branch: the old version and what followed it stay stored
and can be switched back to; only the active path is shown, sent to the model (the fake
Anthropic server records what it received), exported and searched."""

import json

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats import branches, export
from chats.assistant import revisions
from chats.models import Chat, Message
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)


def four_exchanges(user, title="Iron"):
    chat = Chat.objects.create(user=user, title=title)
    for n in range(1, 5):
        Message.objects.create(chat=chat, role="user", content=f"Question {n}")
        Message.objects.create(chat=chat, role="assistant", content=f"Answer {n}",
                               metadata={"status": "done"})
    return chat


def path(chat) -> list[str]:
    return list(Message.objects.on_path().filter(chat=chat).values_list("content", flat=True))


def question(chat, content) -> Message:
    return Message.objects.get(chat=chat, role="user", content=content)


def sent_texts(body) -> str:
    return json.dumps(body["messages"], ensure_ascii=False)


ORIGINAL = [text for n in range(1, 5) for text in (f"Question {n}", f"Answer {n}")]


def test_new_messages_follow_the_end_of_the_active_path(user):
    chat = four_exchanges(user)
    rows = list(Message.objects.filter(chat=chat).order_by("created"))
    assert rows[0].parent_id is None
    assert [m.parent_id for m in rows[1:]] == [m.pk for m in rows[:-1]]
    more = Message.objects.bulk_create([Message(chat=chat, role="user", content="Question 5"),
                                        Message(chat=chat, role="assistant", content="Answer 5")])
    assert more[0].parent_id == rows[-1].pk and more[1].parent_id == more[0].pk


async def test_editing_the_second_of_four_questions_branches_and_switching_back_restores_it(
        fake_anthropic, user, chat_socket, async_client):
    chat = await Chat.objects.acreate(user=user, title="Iron")
    for n in range(1, 5):
        await Message.objects.acreate(chat=chat, role="user", content=f"Question {n}")
        await Message.objects.acreate(chat=chat, role="assistant", content=f"Answer {n}",
                                      metadata={"status": "done"})
    second = await Message.objects.aget(chat=chat, content="Question 2")
    socket = chat_socket(user, chat.pk)
    assert (await socket.connect())[0]
    assert "Answer 4" in (await socket.receive())["html"]  # the latest answer, on connecting
    await async_client.aforce_login(user)

    fake_anthropic.queue(Reply.text("Answer to the new second question."))
    response = await async_client.post(reverse("chats:edit", args=[chat.pk, second.pk]),
                                       {"content": "Question 2, edited"})
    assert response.status_code == 200, response.content
    events = await socket.until_finished()

    active = [m.content async for m in Message.objects.on_path().filter(chat=chat)]
    assert active == ["Question 1", "Answer 1", "Question 2, edited",
                      "Answer to the new second question."]
    # Nothing was deleted: the old question 2 and all that followed are a branch.
    assert await Message.objects.filter(chat=chat).acount() == 10
    # The model was given the active path only: never the abandoned branch.
    sent = sent_texts(fake_anthropic.requests[-1])
    assert "Question 1" in sent and "Answer 1" in sent and "Question 2, edited" in sent
    for gone in ("Question 2\"", "Answer 2", "Question 3", "Answer 3", "Question 4", "Answer 4"):
        assert gone not in sent
    # The pages were told where the branch starts: after answer 1.
    answer_1 = await Message.objects.aget(chat=chat, content="Answer 1")
    announced = [e for e in events if e["type"] == "message" and "after" in e]
    assert [e["after"] for e in announced] == [str(answer_1.pk)]
    assert "2 / 2" in announced[0]["html"]

    page = (await async_client.get(reverse("chats:detail", args=[chat.pk]))).content.decode()
    assert "Question 2, edited" in page and "Answer to the new second question." in page
    assert "Question 3" not in page and "Answer 4" not in page
    assert "2 / 2" in page

    # ‹ : back to the first version, and all that followed it.
    response = await async_client.post(reverse("chats:switch_version", args=[chat.pk, second.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"?at={second.pk}#v-{second.pk}")
    assert [m.content async for m in Message.objects.on_path().filter(chat=chat)] == ORIGINAL
    page = (await async_client.get(reverse("chats:detail", args=[chat.pk]))).content.decode()
    assert "Answer 4" in page and "Question 2, edited" not in page and "1 / 2" in page

    # The next question continues the original branch, and the model sees that one.
    fake_anthropic.queue(Reply.text("Answer 5"))
    await socket.send(action="send", content="Question 5")
    await socket.until_finished()
    sent = sent_texts(fake_anthropic.requests[-1])
    assert "Answer 4" in sent and "edited" not in sent and "new second" not in sent
    assert [m.content async for m in Message.objects.on_path().filter(chat=chat)] == [
        *ORIGINAL, "Question 5", "Answer 5"]

    # › : the edited branch again, as it was left.
    edited = await Message.objects.aget(chat=chat, content="Question 2, edited")
    response = await async_client.post(reverse("chats:switch_version", args=[chat.pk, edited.pk]),
                                       headers={"Accept": "application/json"})
    assert response.status_code == 200 and f"#v-{edited.pk}" in response.json()["url"]
    assert [m.content async for m in Message.objects.on_path().filter(chat=chat)] == active
    await socket.close()


def test_a_branch_keeps_its_own_branches_when_switched_away_and_back(user):
    chat = four_exchanges(user)
    second, third = question(chat, "Question 2"), question(chat, "Question 3")
    # Two edits made as revisions.edit makes them (the answers are left empty here).
    revisions.edit(user, chat.pk, third.pk, "Question 3, second try")
    assert path(chat)[4:6] == ["Question 3, second try", ""]
    revisions.edit(user, chat.pk, second.pk, "Question 2, other")
    assert path(chat) == ["Question 1", "Answer 1", "Question 2, other", ""]
    revisions.switch(user, chat.pk, second.pk)
    # The first branch comes back with the version of question 3 that was shown in it.
    assert path(chat) == ["Question 1", "Answer 1", "Question 2", "Answer 2",
                          "Question 3, second try", ""]
    revisions.switch(user, chat.pk, third.pk)
    assert path(chat) == ORIGINAL


def test_only_one_version_of_each_question_is_selected_and_the_first_can_be_edited(user):
    chat = four_exchanges(user)
    first = question(chat, "Question 1")
    revisions.edit(user, chat.pk, first.pk, "Question 1, again")
    assert path(chat) == ["Question 1, again", ""]
    roots = Message.objects.filter(chat=chat, parent__isnull=True).order_by("created")
    assert [(m.content, m.selected, m.on_path) for m in roots] == [
        ("Question 1", False, False), ("Question 1, again", True, True)]
    shown = list(Message.objects.on_path().filter(chat=chat))
    versions = branches.versions_of(chat, shown)
    assert versions[shown[0].pk] == branches.Versions(2, 2, first.pk, None)
    revisions.switch(user, chat.pk, first.pk)
    assert path(chat) == ORIGINAL


def test_an_abandoned_branch_cannot_be_edited_nor_anything_while_an_answer_streams(user):
    chat = four_exchanges(user)
    second = question(chat, "Question 2")
    revisions.edit(user, chat.pk, second.pk, "Question 2, edited")
    with pytest.raises(revisions.NothingToRevise, match="Switch to this version"):
        revisions.edit(user, chat.pk, question(chat, "Question 3").pk, "no")
    with pytest.raises(Message.DoesNotExist):  # an answer is not a question
        revisions.edit(user, chat.pk, Message.objects.get(content="Answer 1").pk, "no")
    from django.utils import timezone

    streaming = Message.objects.on_path().filter(chat=chat, content="").get()
    streaming.metadata = {"status": "streaming", "heartbeat": timezone.now().isoformat()}
    streaming.save()
    with pytest.raises(revisions.NothingToRevise, match="still being written"):
        revisions.switch(user, chat.pk, second.pk)
    assert "Question 2, edited" in path(chat)


def test_export_and_search_have_the_active_path_only(signed_in_client, user):
    chat = four_exchanges(user)
    revisions.edit(user, chat.pk, question(chat, "Question 3").pk, "Zinc instead?")
    Message.objects.filter(chat=chat, content="").update(content="Zinc is fine.")
    markdown = signed_in_client.get(reverse("chats:export_md", args=[chat.pk])).content.decode()
    assert "Zinc instead?" in markdown and "Zinc is fine." in markdown
    assert "Question 3" not in markdown and "Answer 4" not in markdown
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert len(headings) == 6
    rows, left_out = export.pdf_messages(chat)
    assert [m.content for m in rows][-2:] == ["Zinc instead?", "Zinc is fine."]
    assert len(rows) == 6 and left_out == 0
    # A word only in the branch left behind finds nothing; one on the active path does.
    listing = signed_in_client.get(reverse("chats:index"), {"q": "Answer 4"}).content.decode()
    assert f"/chats/{chat.pk}/" not in listing
    listing = signed_in_client.get(reverse("chats:index"), {"q": "zinc"}).content.decode()
    assert f"/chats/{chat.pk}/" in listing


def test_the_chat_page_queries_stay_the_same_with_many_branches(signed_in_client, user):
    chat = four_exchanges(user)
    url = reverse("chats:detail", args=[chat.pk])
    signed_in_client.get(url)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert signed_in_client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for n in range(6):  # within the rate limit of messages
        revisions.edit(user, chat.pk, question(chat, "Question 1").pk, f"Question 1, try {n}")
        revisions.switch(user, chat.pk, question(chat, "Question 1").pk)
    many = queries()
    assert many == few
    assert "1 / 7" in signed_in_client.get(url).content.decode()


def test_a_stranger_can_neither_edit_nor_switch(client, user, other_user):
    chat = four_exchanges(other_user)
    second = question(chat, "Question 2")
    revisions.edit(other_user, chat.pk, second.pk, "Question 2, edited")
    client.force_login(user)
    before = path(chat)
    mine = four_exchanges(user, title="Mine")
    for args in ([chat.pk, second.pk], [mine.pk, second.pk]):  # theirs, or mine with theirs
        assert client.post(reverse("chats:switch_version", args=args)).status_code == 404
        assert client.post(reverse("chats:edit", args=args),
                           {"content": "mine now"}).status_code == 404
    assert path(chat) == before
    assert path(mine) == ORIGINAL


def test_deleting_a_chat_removes_every_branch(signed_in_client, user):
    chat = four_exchanges(user)
    revisions.edit(user, chat.pk, question(chat, "Question 2").pk, "Question 2, edited")
    assert Message.objects.filter(chat=chat, on_path=False).count() == 6
    response = signed_in_client.post(reverse("chats:delete", args=[chat.pk]))
    assert response.status_code == 302
    assert not Message.objects.filter(chat_id=chat.pk).exists()


def test_the_migration_links_each_existing_chat_as_one_line(user):
    import importlib

    migration = importlib.import_module("chats.migrations.0004_message_branches")
    chat, other = four_exchanges(user), four_exchanges(user, title="Other")
    Message.objects.update(parent=None)
    migration.link_linear(apps, None)
    for each in (chat, other):
        rows = list(Message.objects.filter(chat=each).order_by("created"))
        assert rows[0].parent_id is None
        assert [m.parent_id for m in rows[1:]] == [m.pk for m in rows[:-1]]
    assert path(chat) == ORIGINAL
