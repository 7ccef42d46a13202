import io
import json
import zipfile

import pytest

from accounts import export
from accounts.models import DataExport
from accounts.tasks import build_export

pytestmark = pytest.mark.django_db


def download(client):
    response = client.post("/settings/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def rows_in(archive, path):
    return json.loads(archive.read(path))


def test_the_export_page_lists_what_the_zip_holds(signed_in_client, alice_data, bob_data):
    html = signed_in_client.get("/settings/export/").content.decode()
    assert "Memory entries" in html and "Messages" in html
    assert "2 files" in html


def test_the_zip_holds_every_row_of_the_user_and_nobody_elses(
    signed_in_client, alice_data, bob_data
):
    archive = download(signed_in_client)
    names = archive.namelist()
    everything = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    for label, row in alice_data.rows.items():
        app, model = label.split(".")
        data = rows_in(archive, f"data/{app}/{model}.json")
        assert str(row.pk) in [item["pk"] for item in data], label
    assert "bob" not in everything.replace("bob@", "")  # not even Bob's titles
    assert "bob@example.com" not in everything
    account = rows_in(archive, "data/account.json")
    assert account["email"] == "alice@example.com"
    assert "password" not in json.dumps(account)


def test_the_zip_holds_the_original_files_and_generated_pdfs(signed_in_client, alice_data, bob_data):
    archive = download(signed_in_client)
    document_name, pdf_name = alice_data.files
    assert archive.read(f"files/{document_name}") == b"alice original lab result bytes"
    assert archive.read(f"files/{pdf_name}") == b"%PDF-1.4 alice"
    for name in bob_data.files:
        assert f"files/{name}" not in archive.namelist()


def test_the_zip_has_a_readme(signed_in_client, alice_data):
    readme = download(signed_in_client).read("README.md").decode()
    assert "alice@example.com" in readme
    assert "data/memory/memoryentry.json" in readme
    assert "files/" in readme


def test_a_large_account_is_exported_by_a_job_with_progress(
    signed_in_client, user, alice_data, bob_data, monkeypatch
):
    monkeypatch.setattr(export, "SYNC_MAX_FILES", 1)
    queued = []
    # The job queue itself is django-q2's; here the job function runs right after, in-process.
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda func, *args, **kwargs: queued.append(args)
    )
    response = signed_in_client.post("/settings/export/")
    assert response.status_code == 302
    job = DataExport.objects.get(user=user)
    assert job.status == DataExport.Status.PENDING
    page = signed_in_client.get("/settings/export/", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in page.content.decode()

    build_export(*queued[0])
    job.refresh_from_db()
    assert job.status == DataExport.Status.DONE and job.progress == 100
    page = signed_in_client.get("/settings/export/").content.decode()
    assert f"/settings/export/{job.pk}/download/" in page
    response = signed_in_client.get(f"/settings/export/{job.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert f"files/{alice_data.files[0]}" in archive.namelist()


def test_someone_elses_export_is_not_found(client, other_user, bob_data, user):
    job = DataExport.objects.create(user=other_user)
    build_export(str(job.pk))
    client.force_login(user)
    assert client.get(f"/settings/export/{job.pk}/download/").status_code == 404


def test_a_new_export_replaces_the_previous_zip(user, alice_data):
    first = DataExport.objects.create(user=user)
    build_export(str(first.pk))
    first.refresh_from_db()
    storage, name = first.file.storage, first.file.name
    assert storage.exists(name)
    export.discard(user)
    assert not storage.exists(name)
    assert not DataExport.objects.filter(pk=first.pk).exists()


def test_the_readme_is_in_the_users_language(signed_in_client, user, alice_data):
    user.language = "ru"
    user.save()
    readme = download(signed_in_client).read("README.md").decode()
    assert "Экспорт данных Anamnesis" in readme


def test_owned_models_are_discovered_with_their_dependants():
    from accounts.userdata import owned_models

    lookups = {item.label: item.lookup for item in owned_models()}
    assert lookups["chats.Chat"] == "user"
    assert lookups["chats.Message"] == "chat__user"
    assert lookups["skills.ContextFileVersion"] == "context_file__user"
    assert lookups["documents.GeneratedPDF"] == "user"
    # The bot's rows moved to their own app (the tables kept): still the user's data.
    assert lookups["telegram_bot.TelegramConversation"] == "user"
    # The zips themselves and the two-factor secrets are not part of an export.
    assert "accounts.DataExport" not in lookups
    assert "mfa.Authenticator" not in lookups
