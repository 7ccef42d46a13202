"""A fresh database (migrations run) has the general specialists in English and Russian and
the primary context; installing again never overwrites what an administrator edited."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from skills.defaults import GENERAL_SKILLS, PRIMARY_CONTEXT
from skills.icons import is_icon
from skills.models import ContextFile, Skill

pytestmark = pytest.mark.django_db

MIGRATION = ("skills", "0003_general_specialists")


def run_migration_function():
    """The migration's own function, called with the historical models it gets in a migrate."""
    apps = MigrationLoader(connection).project_state(MIGRATION).apps
    module = importlib.import_module("skills.migrations.0003_general_specialists")
    module.Migration.operations[0].code(apps, None)


def test_the_defaults_are_complete_in_both_languages_with_real_icons():
    keys = {spec["key"] for spec in GENERAL_SKILLS}
    assert {"general-practitioner", "cardiologist", "endocrinologist", "lab-results",
            "nutritionist", "paediatrician"} <= keys
    for spec in GENERAL_SKILLS:
        assert is_icon(spec["icon"]), spec["icon"]
        for field in ("name", "description", "system_prompt"):
            assert spec[f"{field}_en"].strip() and spec[f"{field}_ru"].strip()
            assert spec[f"{field}_en"] != spec[f"{field}_ru"]
        assert "112" in spec["system_prompt_en"] and "112" in spec["system_prompt_ru"]


def test_a_fresh_database_lists_the_specialists_in_english(signed_in_client):
    page = signed_in_client.get(reverse("skills:index")).content.decode()
    for name in ("General practitioner", "Cardiologist", "Endocrinologist",
                 "Lab results interpreter", "Nutritionist", "Paediatrician"):
        assert name in page
    assert "The administrator has not added general skills yet." not in page


def test_a_russian_user_sees_the_specialists_in_russian(client, make_user):
    client.force_login(make_user("ru@example.com", language="ru"))
    page = client.get(reverse("skills:index"), headers={"accept-language": "en"})
    html = page.content.decode()
    for name in ("Терапевт", "Кардиолог", "Эндокринолог", "Расшифровка анализов",
                 "Нутрициолог", "Педиатр"):
        assert name in html
    assert "Cardiologist" not in html
    skill = Skill.objects.get(key="paediatrician")
    detail = client.get(reverse("skills:detail", args=[skill.pk])).content.decode()
    assert "дозу только так, как она указана в" in detail


def test_a_new_chat_can_start_with_a_specialist(signed_in_client):
    page = signed_in_client.get(reverse("chats:index")).content.decode()
    assert "General practitioner" in page  # the new-chat skill picker is not empty


def test_the_primary_context_has_the_safety_basics():
    primary = ContextFile.objects.get(type="primary", user__isnull=True)
    assert primary.content == PRIMARY_CONTEXT and primary.version == 1
    for rule in ("Not a doctor", "emergency number", "Never tell the user to start, stop or "
                 "change the dose", "Answer in the language the user writes in", "Privacy"):
        assert rule in primary.content


def test_installing_again_keeps_an_administrators_edits():
    skill = Skill.objects.get(key="cardiologist")
    skill.name_en, skill.system_prompt_ru, skill.icon = "Heart doctor", "Свой текст", "heart"
    skill.save()
    primary = ContextFile.objects.get(type="primary")
    primary.content = "Our clinic's own rules."
    primary.save()
    Skill.objects.filter(key="nutritionist").delete()

    run_migration_function()
    run_migration_function()

    skill.refresh_from_db()
    assert (skill.name_en, skill.system_prompt_ru, skill.icon) == ("Heart doctor",
                                                                  "Свой текст", "heart")
    assert Skill.objects.filter(key="cardiologist").count() == 1
    assert ContextFile.objects.get(type="primary").content == "Our clinic's own rules."
    assert ContextFile.objects.filter(type="primary").count() == 1
    assert Skill.objects.filter(key="nutritionist").count() == 1  # a missing one comes back
    assert Skill.objects.filter(user__isnull=True).count() == len(GENERAL_SKILLS)


def test_a_skill_written_before_keys_is_adopted_not_duplicated():
    Skill.objects.filter(key="endocrinologist").delete()
    own = Skill.objects.create(name_en="endocrinologist", name_ru="Мой эндокринолог",
                               system_prompt="Our prompt.")
    run_migration_function()
    own.refresh_from_db()
    assert own.key == "endocrinologist" and own.name_ru == "Мой эндокринолог"
    assert own.system_prompt == "Our prompt."
    assert Skill.objects.filter(name_en__iexact="endocrinologist").count() == 1
