"""Issue 22, item 2 (web): a link in an answer shows where it really goes, so a disguised
link (`[your report](https://evil…)`) cannot pass for a page of Anamnesis."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from chats.markdown import render_markdown
from chats.models import Chat, Message
from tests.fakes.anthropic_server import Reply

DISGUISED = ("Everything is in [your report](https://evil.example/c?d=ferritin-12 "
             "\"Anamnesis report\").")


def test_an_external_link_shows_its_host_and_its_whole_address():
    html = render_markdown(DISGUISED)
    assert '<a href="https://evil.example/c?d=ferritin-12"' in html
    assert 'title="https://evil.example/c?d=ferritin-12"' in html  # not the model's title
    assert "Anamnesis report" not in html
    assert '</a> <span class="link-target' in html and "(evil.example ↗)</span>" in html


def test_a_look_alike_host_shows_in_ascii():
    html = render_markdown("[Anamnesis](https://аnamnesis.example/)")  # Cyrillic а
    assert "(xn--" in html and "аnamnesis" not in html.split("<span")[1]


@pytest.mark.parametrize(("text", "shown"), [
    ("[write to us](mailto:help@evil.example)", "(help@evil.example ↗)"),
    ("[next](//evil.example/page)", "(evil.example ↗)"),
])
def test_other_ways_out_are_marked_too(text, shown):
    assert shown in render_markdown(text)


def test_links_inside_the_app_and_bare_addresses_stay_as_they_are():
    html = render_markdown("[the report](/documents/1/) and <https://example.org/x>")
    assert 'href="/documents/1/"' in html and "link-target" not in html
    assert ">https://example.org/x</a>" in html  # the text is the address already


def test_a_model_cannot_write_the_marker_itself():
    html = render_markdown('<span class="link-target">(anamnesis.local)</span>')
    assert "<span" not in html


@pytest.mark.django_db(transaction=True)
async def test_the_chat_page_shows_the_real_target_of_a_disguised_link(
        fake_anthropic, user, chat_socket):
    chat = await Chat.objects.acreate(user=user)
    fake_anthropic.queue(Reply.text(DISGUISED))
    socket = chat_socket(user, chat.pk)
    await socket.connect()
    await socket.send(action="send", content="Where is my report?")
    events = await socket.until_finished()
    assert "(evil.example ↗)" in events[-1]["html"]
    await socket.close()
    assert await Message.objects.filter(chat=chat, role="assistant").aexists()

    def page():
        client = Client()
        client.force_login(user)
        return client.get(f"/chats/{chat.pk}/").content.decode()

    assert "(evil.example ↗)" in await sync_to_async(page)()
