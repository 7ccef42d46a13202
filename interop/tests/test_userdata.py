"""Imports are part of the user's data: in the data export's zip, and gone — rows and the
uploaded file waiting for its job — when the account is erased."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage

from accounts.erase import erase_account
from accounts.export import write_zip
from interop.models import RecordImport
from memory.models import Condition

from .helpers import run, upload

pytestmark = pytest.mark.django_db


def test_the_data_export_holds_the_imports_and_what_they_brought(user):
    done = run(user, "bundle_transaction.json")
    target = io.BytesIO()
    write_zip(user, target)
    with zipfile.ZipFile(target) as archive:
        imports = json.loads(archive.read("data/interop/recordimport.json"))
        conditions = json.loads(archive.read("data/memory/condition.json"))
    assert [row["fields"]["file_name"] for row in imports] == ["bundle_transaction.json"]
    assert conditions[0]["fields"]["source_import"] == str(done.pk)


def test_erasing_the_account_removes_imports_and_the_waiting_file(user, other_user):
    run(user, "bundle_transaction.json")
    waiting = upload(user, "condition.json")  # queued: its file is still stored
    theirs = upload(other_user, "condition.json")
    assert default_storage.exists(waiting.stored_path)
    erase_account(user)
    assert not default_storage.exists(waiting.stored_path)
    assert not RecordImport.objects.filter(user_id=user.pk).exists()
    assert not Condition.objects.filter(user_id=user.pk).exists()
    assert default_storage.exists(theirs.stored_path)
