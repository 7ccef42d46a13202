"""The primary context in the Django admin: saved with versions, diffed and restored."""

import pytest
from django.urls import reverse

from skills.models import ContextFile, Skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user("admin@example.com", role="admin", is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_edits_primary_context_with_history_diff_and_restore(admin_client):
    ContextFile.objects.filter(type="primary").delete()  # the one a fresh install brings
    admin_client.post(reverse("admin:skills_contextfile_add"),
                      {"content": "Be careful.", "versions-TOTAL_FORMS": 0,
                       "versions-INITIAL_FORMS": 0})
    primary = ContextFile.objects.get(type="primary")
    change = reverse("admin:skills_contextfile_change", args=[primary.pk])
    admin_client.post(change, {"content": "Be careful and kind.", "versions-TOTAL_FORMS": 0,
                               "versions-INITIAL_FORMS": 0})
    primary.refresh_from_db()
    assert primary.version == 2
    version = primary.versions.get()
    url = reverse("admin:skills_contextfile_version", args=[primary.pk, version.pk])
    page = admin_client.get(url).content.decode()
    assert "-Be careful." in page and "+Be careful and kind." in page
    admin_client.post(url)
    primary.refresh_from_db()
    assert primary.content == "Be careful." and primary.version == 3


def test_general_skill_admin_shows_both_languages(admin_client):
    page = admin_client.get(reverse("admin:skills_skill_add")).content.decode()
    assert 'name="name_en"' in page and 'name="name_ru"' in page
    assert 'name="system_prompt_ru"' in page


def test_admin_offers_icon_names_and_rejects_an_unknown_one(admin_client):
    url = reverse("admin:skills_skill_add")
    page = admin_client.get(url).content.decode()
    assert 'list="id_icon-icons"' in page and '<option value="heart-pulse">' in page
    data = {"name_en": "Dermatologist", "name_ru": "Дерматолог", "system_prompt_en": "Skin.",
            "system_prompt_ru": "Кожа.", "icon": "Heart", "is_active": "on", "sort_order": 0}
    page = admin_client.post(url, data).content.decode()
    assert "is not a Lucide icon name" in page
    assert not Skill.objects.filter(name_en="Dermatologist").exists()
    admin_client.post(url, {**data, "icon": "scan-face"})
    assert Skill.objects.get(name_en="Dermatologist").icon == "scan-face"


def test_personal_contexts_stay_out_of_the_admin(admin_client, user):
    from skills.context import save_personal_context

    personal = save_personal_context(user, "My private history")
    page = admin_client.get(reverse("admin:skills_contextfile_changelist")).content.decode()
    assert "Personal" not in page
    url = reverse("admin:skills_contextfile_change", args=[personal.pk])
    assert admin_client.get(url).status_code == 302  # "doesn't exist" → back to the index


def test_an_installed_specialist_opens_in_the_admin_with_its_key_and_icon(admin_client):
    skill = Skill.objects.get(key="cardiologist")
    page = admin_client.get(reverse("admin:skills_skill_change", args=[skill.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="heart-pulse"' in html and 'list="id_icon-icons"' in html
    assert 'name="key"' not in html and "cardiologist" in html  # shown, not editable
    assert "Кардиолог" in html
