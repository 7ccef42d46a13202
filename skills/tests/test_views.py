"""Skill pages and the personal context page: CRUD, ownership, versions."""

import pytest
from django.urls import reverse

from skills.models import ContextFile, Skill

pytestmark = pytest.mark.django_db


def test_create_edit_delete_a_personal_skill(signed_in_client, user):
    response = signed_in_client.post(reverse("skills:new"), {
        "name": "Running coach", "description": "Training", "system_prompt": "Ask about km.",
        "icon": "activity", "is_active": "on"})
    skill = Skill.objects.get(user=user)
    assert response.url == reverse("skills:detail", args=[skill.pk])
    assert (skill.name_en, skill.name_ru) == ("Running coach", "Running coach")
    signed_in_client.post(reverse("skills:edit", args=[skill.pk]), {
        "name": "Coach", "system_prompt": "Shorter.", "icon": "activity", "is_active": "on"})
    skill.refresh_from_db()
    assert skill.name == "Coach" and skill.system_prompt == "Shorter."
    signed_in_client.post(reverse("skills:delete", args=[skill.pk]))
    assert not Skill.objects.filter(pk=skill.pk).exists()


def test_list_shows_general_and_own_skills_only(signed_in_client, user, other_user):
    Skill.objects.create(name_en="Cardiologist", name_ru="Кардиолог", system_prompt="x")
    Skill.objects.create(user=user, name="Mine", system_prompt="x")
    Skill.objects.create(user=other_user, name="Zzprivate-skill-of-bob", system_prompt="x")
    page = signed_in_client.get(reverse("skills:index")).content.decode()
    assert "Cardiologist" in page and "Mine" in page and "Zzprivate-skill-of-bob" not in page


@pytest.mark.parametrize("name", ["detail", "edit", "delete"])
def test_another_users_skill_is_404(signed_in_client, other_user, name):
    skill = Skill.objects.create(user=other_user, name="Bob's", system_prompt="x")
    url = reverse(f"skills:{name}", args=[skill.pk])
    response = signed_in_client.post(url, {"name": "x", "system_prompt": "y"}) \
        if name != "detail" else signed_in_client.get(url)
    assert response.status_code == 404
    assert Skill.objects.get(pk=skill.pk).name == "Bob's"


def test_general_skills_cannot_be_edited_by_users(signed_in_client):
    skill = Skill.objects.create(name="General", system_prompt="x")
    assert signed_in_client.get(reverse("skills:edit", args=[skill.pk])).status_code == 404
    assert signed_in_client.get(reverse("skills:detail", args=[skill.pk])).status_code == 200


def test_personal_context_keeps_every_version(signed_in_client, user, other_user):
    url = reverse("context:edit")
    signed_in_client.post(url, {"content": "I run marathons."})
    signed_in_client.post(url, {"content": "I run half marathons."})
    signed_in_client.post(url, {"content": "I run half marathons."})  # unchanged: no version
    context = ContextFile.objects.get(type="personal", user=user)
    assert context.content == "I run half marathons." and context.version == 2
    assert list(context.versions.values_list("content", flat=True)) == ["I run marathons."]
    page = signed_in_client.get(url).content.decode()
    assert "I run marathons." in page
    assert not ContextFile.objects.filter(user=other_user).exists()
