"""Memory pages: grouping, importance filter, add/edit/deactivate, sources, ownership."""

import pytest
from django.urls import reverse

from chats.models import Chat
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


def test_memory_page_query_count_is_constant_with_500_entries(
    signed_in_client, user, django_assert_max_num_queries
):
    MemoryEntry.objects.bulk_create([
        MemoryEntry(user=user, title=f"Fact {n}", category="other", importance="low")
        for n in range(500)
    ])
    with django_assert_max_num_queries(10):
        response = signed_in_client.get(reverse("memory:index"))
    assert response.content.decode().count('data-variant="secondary">Low</span>') == 500
