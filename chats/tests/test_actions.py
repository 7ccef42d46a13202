"""Confirm, Cancel and Undo from the chat card and the activity page; ownership; the page."""

import pytest
from django.urls import reverse
from django.utils import translation

from chats import action_views, actions, tool_registry
from chats.assistant.reply import Reply
from chats.models import AssistantAction, Chat, Message
from memory.models import MemoryEntry

pytestmark = pytest.mark.django_db


def answer_with_tool(user, chat, **data):
    """What the turn stores: an assistant message whose tool part carries the result."""
    result = tool_registry.get("save_memory").run(
        tool_registry.ToolContext(user=user, chat=chat), {"category": "allergy", **data})
    reply = Reply(status="done")
    part = reply.add_tool_call("toolu_1", "save_memory", data)
    part.update(status="done", summary=result.summary, data=result.data, result=result.content)
    Message.objects.create(chat=chat, role="assistant", metadata=reply.metadata())
    return result.data["action"]["id"]


def test_the_chat_card_confirms_in_place(signed_in_client, user):
    chat = Chat.objects.create(user=user)
    pk = answer_with_tool(user, chat, title="Penicillin", importance="critical")
    page = signed_in_client.get(reverse("chats:detail", args=[chat.pk])).content.decode()
    assert "Waiting for your confirmation: Penicillin" in page
    assert reverse("chats:action_confirm", args=[pk]) in page and ">Memory</span>" in page

    response = signed_in_client.post(reverse("chats:action_confirm", args=[pk]),
                                     {"place": "card"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div class="action-card')
    assert 'data-state="confirmed"' in html and "Undo" in html
    assert MemoryEntry.objects.get(user=user).importance == "critical"
    # A reload shows the state now, not the one the card was made with.
    page = signed_in_client.get(reverse("chats:detail", args=[chat.pk])).content.decode()
    assert f'id="action-{pk}" data-state="confirmed"' in page


def test_a_plain_post_returns_to_a_local_page_only(signed_in_client, user):
    chat = Chat.objects.create(user=user)
    pk = answer_with_tool(user, chat, title="Penicillin", importance="critical")
    response = signed_in_client.post(reverse("chats:action_cancel", args=[pk]),
                                     {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("activity:index")
    assert AssistantAction.objects.get().state == "cancelled"
    assert not MemoryEntry.objects.exists()


def test_someone_elses_action_is_a_404_and_get_is_refused(client, user, other_user, password):
    chat = Chat.objects.create(user=user)
    pk = answer_with_tool(user, chat, title="Penicillin", importance="critical")
    client.login(email=other_user.email, password=password)
    for name in ("chats:action_confirm", "chats:action_cancel", "chats:action_undo"):
        assert client.post(reverse(name, args=[pk])).status_code == 404
    assert client.get(reverse("chats:action_confirm", args=[pk])).status_code == 405
    assert AssistantAction.objects.get().state == "proposed"
    assert "Penicillin" not in client.get(reverse("activity:index")).content.decode()


def test_activity_lists_filters_and_undoes(signed_in_client, user):
    chat = Chat.objects.create(user=user, title="Allergies")
    answer_with_tool(user, chat, title="Penicillin", importance="critical")
    answer_with_tool(user, chat, title="Pollen", importance="low")
    page = signed_in_client.get(reverse("activity:index")).content.decode()
    assert "Save to memory: Penicillin" in page and "Saved to memory: Pollen" in page
    assert reverse("chats:detail", args=[chat.pk]) in page and "Allergies" in page

    waiting = signed_in_client.get(reverse("activity:index"), {"state": "proposed"})
    assert "Penicillin" in waiting.content.decode()
    assert "Pollen" not in waiting.content.decode()
    assert signed_in_client.get(reverse("activity:index"), {"state": "nonsense"}).status_code == 200

    done = AssistantAction.objects.get(state="applied")
    response = signed_in_client.post(reverse("chats:action_undo", args=[done.pk]),
                                     {"place": "row"}, headers={"HX-Request": "true"})
    assert f'id="a-{done.pk}" ' in response.content.decode()
    assert 'data-state="undone"' in response.content.decode()
    assert not MemoryEntry.objects.filter(title="Pollen").exists()


def test_activity_is_paginated_and_linked_from_settings(signed_in_client, user, monkeypatch):
    monkeypatch.setattr(action_views, "PAGE_SIZE", 2)
    for index in range(3):
        actions.propose(user, "memory.save", {}, summary=f"Proposal {index}")
    first = signed_in_client.get(reverse("activity:index")).content.decode()
    assert "Proposal 2" in first and "Proposal 0" not in first and "page=2" in first
    second = signed_in_client.get(reverse("activity:index"), {"page": "2"}).content.decode()
    assert "Proposal 0" in second
    assert reverse("activity:index") in signed_in_client.get(reverse("settings:profile")).content.decode()


def test_activity_in_russian(client, make_user, password):
    owner = make_user("ru@example.com", language="ru")
    actions.propose(owner, "memory.save", {}, summary="Сохранить в память: Пенициллин")
    client.login(email=owner.email, password=password)
    with translation.override("en"):  # the request activates Russian for this thread
        page = client.get(reverse("activity:index")).content.decode()
    assert "Действия ассистента" in page and "Ждёт подтверждения" in page
    assert "Подтвердить" in page


def test_an_action_outlives_its_chat(signed_in_client, user):
    chat = Chat.objects.create(user=user, title="Gone soon")
    answer_with_tool(user, chat, title="Pollen", importance="low")
    chat.delete()
    page = signed_in_client.get(reverse("activity:index")).content.decode()
    assert "Saved to memory: Pollen" in page and "Gone soon" in page
    assert f"/chats/{chat.pk}/" not in page


@pytest.mark.django_db(transaction=True)
async def test_a_socket_that_joins_sees_the_card_as_it_is_now(user, chat_socket):
    from asgiref.sync import sync_to_async

    chat = await Chat.objects.acreate(user=user)
    pk = await sync_to_async(answer_with_tool)(user, chat, title="Penicillin",
                                               importance="critical")
    await sync_to_async(actions.confirm)(user, pk)
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    snapshot = await socket.receive()
    await socket.close()
    assert snapshot["snapshot"] and f'id="action-{pk}" data-state="confirmed"' in snapshot["html"]
