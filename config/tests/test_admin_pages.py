"""Admin pages of rows with stored files answer (files have no URL), and the admin login
never redirects to another site."""

import hashlib

import pytest
from django.core.files.base import ContentFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("admin@example.com", role="admin"))
    return client


def test_change_pages_with_stored_files_open(admin_client, user):
    from documents.models import Document, GeneratedPDF

    content = b"%PDF-1.4 lab result"
    document = Document(user=user, filename="labs.pdf", mime_type="application/pdf",
                        file_size=len(content), sha256=hashlib.sha256(content).hexdigest())
    document.file.save("labs.pdf", ContentFile(content), save=False)
    document.preview.save("preview.png", ContentFile(b"png"), save=False)
    document.save()
    pdf = GeneratedPDF(user=user, title="Summary")
    pdf.file.save("summary.pdf", ContentFile(b"%PDF-1.4"), save=False)
    pdf.save()
    user.avatar.save("me.png", ContentFile(b"png"), save=True)

    for url, name in [
        (f"/admin/documents/document/{document.pk}/change/", document.file.name),
        (f"/admin/documents/generatedpdf/{pdf.pk}/change/", pdf.file.name),
        (f"/admin/accounts/user/{user.pk}/change/", user.avatar.name),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert name in response.content.decode()  # the name, not a link to nowhere


@pytest.mark.parametrize("target", [
    "https://evil.example/phish", "//evil.example/phish", "http://evil.example", "javascript:alert(1)",
])
def test_the_admin_login_never_redirects_to_another_site(client, make_user, target):
    response = client.get("/admin/login/", {"next": target})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"] and "javascript" not in response["Location"]
    client.force_login(make_user("admin@example.com", role="admin"))
    response = client.get("/admin/login/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_the_admin_login_keeps_a_local_next(client, make_user):
    client.force_login(make_user("admin@example.com", role="admin"))
    response = client.get("/admin/login/", {"next": "/admin/accounts/user/"})
    assert response["Location"] == "/admin/accounts/user/"
