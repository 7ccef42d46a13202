"""Icon names: validated where they are written, and a bad stored one never breaks a page."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from chats.models import Chat
from skills.icons import icon_names, is_icon
from skills.models import Skill

pytestmark = pytest.mark.django_db


def test_the_names_are_the_installed_lucide_icons():
    names = icon_names()
    assert len(names) > 1000 and "heart" in names and "sparkles" in names
    assert not is_icon("Heart") and not is_icon("hart") and not is_icon("") \
        and not is_icon(None)


def render(source, **context):
    return Template("{% load skill_icons %}" + source).render(Context(context))



def test_an_unknown_name_renders_the_default_icon():
    assert render("{% skill_icon name %}", name="Heart") == render("{% skill_icon 'sparkles' %}")
    assert render("{% skill_icon name size=12 %}", name="heart") \
        == render("{% skill_icon 'heart' size=12 %}")
    assert render("{% skill_icon None default='message-circle' %}") \
        == render("{% skill_icon 'message-circle' %}")
    assert render("{% skill_icon 'Heart' default='Bad' %}") == render("{% skill_icon 'sparkles' %}")


@pytest.mark.parametrize("icon", ["Heart", "hart", "", "../../etc/passwd"])
def test_a_bad_stored_icon_renders_every_page(signed_in_client, user, icon):
    general = Skill.objects.create(name="Broken general", system_prompt="x", icon=icon)
    own = Skill.objects.create(user=user, name="Broken own", system_prompt="x", icon=icon)
    chat = Chat.objects.create(user=user, skill=general)
    Chat.objects.create(user=user, skill=own)
    for url in (reverse("skills:index"), reverse("skills:detail", args=[general.pk]),
                reverse("skills:edit", args=[own.pk]), reverse("chats:index"),
                reverse("chats:detail", args=[chat.pk])):
        response = signed_in_client.get(url)
        assert response.status_code == 200, url
        assert "Broken" in response.content.decode(), url  # the skill is there, drawn by
        # the fallback icon (which one is checked above: the nav shows sparkles anyway)


def test_the_form_offers_the_names_and_rejects_an_unknown_one(signed_in_client, user):
    page = signed_in_client.get(reverse("skills:new")).content.decode()
    assert 'list="id_icon-icons"' in page and '<option value="stethoscope">' in page
    data = {"name": "Coach", "system_prompt": "Ask about km.", "icon": "Running",
            "is_active": "on"}
    response = signed_in_client.post(reverse("skills:new"), data)
    assert response.status_code == 200
    assert "is not a Lucide icon name" in response.content.decode()
    assert not Skill.objects.filter(user=user).exists()
    signed_in_client.post(reverse("skills:new"), {**data, "icon": "footprints"})
    assert Skill.objects.get(user=user).icon == "footprints"
