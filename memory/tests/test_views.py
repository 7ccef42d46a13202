"""Memory pages: grouping, importance filter, add/edit/deactivate, sources, ownership."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats.models import Chat
from memory import views
from memory.models import MemoryEntry

pytestmark = pytest.mark.django_db


def test_memory_is_grouped_by_category_and_filtered_by_importance(signed_in_client, user):
    MemoryEntry.objects.create(user=user, title="Asthma", category="condition",
                               importance="high")
    MemoryEntry.objects.create(user=user, title="Penicillin", category="allergy",
                               importance="critical")
    MemoryEntry.objects.create(user=user, title="Old cold", category="condition",
                               importance="low", is_active=False)
    page = signed_in_client.get(reverse("memory:index")).content.decode()
    assert 'data-category="condition"' in page and 'data-category="allergy"' in page
    assert "Old cold" not in page  # inactive entries are hidden by default
    critical = signed_in_client.get(reverse("memory:index"), {"importance": "critical"})
    assert "Penicillin" in critical.content.decode()
    assert "Asthma" not in critical.content.decode()


def test_add_edit_and_deactivate(signed_in_client, user):
    signed_in_client.post(reverse("memory:new"), {
        "title": "Metformin 500 mg", "category": "medication", "importance": "high",
        "content": "twice a day", "is_active": "on"})
    entry = MemoryEntry.objects.get(user=user)
    signed_in_client.post(reverse("memory:edit", args=[entry.pk]), {
        "title": "Metformin 1000 mg", "category": "medication", "importance": "high",
        "content": ""})  # unticked: deactivated
    entry.refresh_from_db()
    assert entry.title == "Metformin 1000 mg" and not entry.is_active


def test_entry_links_to_its_source_chat(signed_in_client, user):
    chat = Chat.objects.create(user=user, title="Diabetes talk")
    entry = MemoryEntry.objects.create(user=user, title="Metformin", source_chat=chat)
    page = signed_in_client.get(reverse("memory:detail", args=[entry.pk])).content.decode()
    assert reverse("chats:detail", args=[chat.pk]) in page


@pytest.mark.parametrize("name", ["detail", "edit", "delete"])
def test_another_users_entry_is_404(signed_in_client, other_user, name):
    entry = MemoryEntry.objects.create(user=other_user, title="Bob's diagnosis")
    url = reverse(f"memory:{name}", args=[entry.pk])
    response = signed_in_client.get(url) if name == "detail" else signed_in_client.post(
        url, {"title": "x", "category": "other", "importance": "low"})
    assert response.status_code == 404
    assert MemoryEntry.objects.get(pk=entry.pk).title == "Bob's diagnosis"


def test_other_users_entries_never_listed(signed_in_client, other_user):
    MemoryEntry.objects.create(user=other_user, title="Zzbob-private-diagnosis")
    assert "Zzbob-private-diagnosis" not in signed_in_client.get(reverse("memory:index")).content.decode()


def _entries(user, numbers):
    categories, importances = MemoryEntry.Category.values, ["critical", "high", "medium", "low"]
    MemoryEntry.objects.bulk_create([
        MemoryEntry(user=user, title=f"Fact {n:03}", category=categories[n % len(categories)],
                    importance=importances[n % 4])
        for n in numbers
    ])


def test_memory_page_queries_do_not_grow_with_the_entries(signed_in_client, user):
    """The same queries, at most 10, with 3 entries and with 500."""
    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            response = signed_in_client.get(reverse("memory:index"), params)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    _entries(user, range(3))
    queries()  # warms the session and runtime-settings caches
    few, _ = queries()
    _entries(user, range(3, 500))
    many, page = queries()
    assert many == few <= 10
    assert page.count('href="/memory/') - page.count('href="/memory/new/') >= views.PAGE_SIZE
    last, _ = queries(page=5)
    assert last == few


def test_memory_pages_go_on_in_category_and_importance_order(signed_in_client, user):
    _entries(user, range(250))
    first = signed_in_client.get(reverse("memory:index")).content.decode()
    assert "Page 1 of 3" in first and 'href="?page=2"' in first
    # Conditions (every sixth fact) come first, the critical ones before the medium ones,
    # then medications.
    assert first.index("Fact 000") < first.index("Fact 012") < first.index("Fact 006") \
        < first.index("Fact 001")
    assert 'data-category="other"' not in first  # the last category is on a later page
    third = signed_in_client.get(reverse("memory:index"), {"page": 3}).content.decode()
    assert "Page 3 of 3" in third and 'data-category="other"' in third
    # The most important "other" entry, first by title, opens its category.
    assert third.index('data-category="other"') < third.index(">Fact 005<")
    seen = [
        signed_in_client.get(reverse("memory:index"), {"page": number}).content.decode()
        for number in (1, 2, 3)
    ]
    for n in range(250):  # every entry on exactly one page
        assert sum(f">Fact {n:03}<" in page for page in seen) == 1


def test_the_pages_keep_the_filters(signed_in_client, user):
    _entries(user, range(500))
    page = signed_in_client.get(reverse("memory:index"),
                                {"importance": "low", "inactive": "1"}).content.decode()
    assert "Page 1 of 2" in page and 'href="?importance=low&amp;inactive=1&amp;page=2"' in page
    assert page.count('data-variant="secondary">Low</span>') == views.PAGE_SIZE


@pytest.mark.parametrize("number", ["x", "0", "999"])
def test_a_bad_page_number_is_not_an_error(signed_in_client, user, number):
    _entries(user, range(3))
    response = signed_in_client.get(reverse("memory:index"), {"page": number})
    assert response.status_code == 200 and "Fact 000" in response.content.decode()


@pytest.mark.parametrize("language, text", [("en", "Page 1 of 2"), ("ru", "Страница 1 из 2")])
def test_the_pager_speaks_the_users_language(signed_in_client, user, language, text):
    user.language = language
    user.save()
    _entries(user, range(views.PAGE_SIZE + 1))
    assert text in signed_in_client.get(reverse("memory:index")).content.decode()
