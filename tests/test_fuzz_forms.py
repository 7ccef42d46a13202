"""Property-based fuzzing (hypothesis) of every form of the apps and of the upload field:
whatever is posted, the answer is never a 500, and a post the form rejects saves nothing.

The forms are discovered (every Form/ModelForm class in `<app>/forms.py`), so a new form
fails here until tests/ownership_registry.py says where it is posted. Each example runs
in a savepoint that is rolled back, so every example starts from the same database.
"""

import importlib
import inspect
import io
import os
import uuid
from pathlib import Path

import pymupdf
import pytest
from django import forms
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from .ownership_registry import form_targets, make_owner_objects

pytestmark = pytest.mark.django_db

APPS = ("accounts", "chats", "config", "documents", "memory", "notifications", "skills",
        "sharing")
OWN_APPS = ("accounts", "chats", "documents", "memory", "notifications", "skills", "sharing")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
# In CI the examples are the same on every run, so a landing is never decided by chance;
# a developer's run explores new ones each time (and a failure it finds becomes a test).
FUZZ = hypothesis_settings(
    max_examples=EXAMPLES, deadline=None, database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)
RUN = {"examples": 0}


def discovered_forms() -> dict[str, type]:
    found = {}
    for app in APPS:
        try:
            module = importlib.import_module(f"{app}.forms")
        except ModuleNotFoundError:
            continue
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, forms.BaseForm):
                found[f"{module.__name__}.{name}"] = cls
    return found


def test_every_form_has_a_url_to_be_fuzzed_at():
    missing = sorted(set(discovered_forms()) - set(form_targets()))
    assert not missing, (
        f"Forms with no entry in form_targets() of tests/ownership_registry.py (add the URL "
        f"the form is posted to, and how the view builds it): {missing}"
    )
    assert len(discovered_forms()) >= 10


# --- Strategies ----------------------------------------------------------------------------
PAYLOADS = [
    "", " ", "\x00", "a\x00b", "\r\n\r\n", "\u202etxt.exe", "مرحبا بالعالم", "👩‍⚕️💊" * 20,
    "Ωmega ЁЛКА", "' OR 1=1 --", "'; DROP TABLE accounts_user; --", "\" onmouseover=alert(1) x=\"",
    "<script>alert(1)</script>", "{{ 7*7 }}", "{% debug %}", "%s%s%n", "../../etc/passwd",
    "-1", "0", "1e309", "NaN", "inf", "99999999999999999999999", "0x10", "2024-02-30",
    "0000-00-00", "9999-12-31T23:59", "2025-03-30T02:30", "24:61", "* * * * * *",
    "x" * 201, "x" * 20_001, "y" * 300_000, "\ud800".encode("utf-8", "surrogatepass").decode(
        "utf-8", "replace"),
]
ALWAYS = ["a\x00b", "y" * 300_000, "' OR 1=1 --", "\u202e👩‍⚕️<b>"]
hostile_text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(str),
    st.dates(min_value=__import__("datetime").date(1, 1, 1)).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.times().map(lambda t: t.strftime("%H:%M")),
)
MISSING = object()


def field_values(field, ids: dict) -> st.SearchStrategy:
    options = [st.just(MISSING), hostile_text, st.lists(hostile_text, min_size=2, max_size=3)]
    if isinstance(field, forms.ModelChoiceField):
        pool = [*ids.get(field.queryset.model, []), str(uuid.uuid4()), "1", "null"]
        pick = st.sampled_from(pool)
        options += [pick, pick] if not isinstance(field, forms.ModelMultipleChoiceField) else []
        options.append(st.lists(pick, max_size=4))
    elif isinstance(field, forms.ChoiceField):
        valid = [str(key) for key, _label in field.choices if not isinstance(_label, list | tuple)]
        if valid:
            options += [st.sampled_from(valid)] * 3
    elif isinstance(field, forms.BooleanField):
        options.append(st.sampled_from(["on", "true", "false", "0", "1", "", "None"]))
    elif isinstance(field, forms.DateTimeField):
        options.append(st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")))
    elif isinstance(field, forms.TimeField):
        options.append(st.times().map(lambda t: t.strftime("%H:%M")))
    elif isinstance(field, forms.EmailField):
        options.append(st.emails())
    elif isinstance(field, forms.CharField):
        options.append(st.text(min_size=1, max_size=40))
    return st.one_of(*options)


def post_data(form_class, ids) -> st.SearchStrategy:
    fields = form_class.base_fields
    return st.fixed_dictionaries(
        {name: field_values(field, ids) for name, field in fields.items()}
    ).map(lambda values: {k: v for k, v in values.items() if v is not MISSING})


def as_query_dict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def _clean(data: dict) -> dict:
    """What reaches the view: a form post cannot carry a lone surrogate."""
    def fix(text):
        return text.encode("utf-8", "replace").decode("utf-8")
    return {k: [fix(v) for v in value] if isinstance(value, list) else fix(value)
            for k, value in data.items()}


# --- State ---------------------------------------------------------------------------------
def fingerprint() -> dict:
    """Every row of every model of the apps (the tables a submission could touch)."""
    state = {}
    for label in OWN_APPS:
        for model in apps.get_app_config(label).get_models():
            rows = model._base_manager.order_by("pk").values()
            state[model._meta.label] = [
                {k: v for k, v in row.items() if k not in ("last_login",)} for row in rows
            ]
    return state


def _changes(before, after) -> list[str]:
    return [label for label in before if before[label] != after[label]]


@pytest.fixture
def people(make_user):
    owner = make_user("owner@example.com")
    stranger = make_user("stranger@example.com")
    own, theirs = make_owner_objects(owner), make_owner_objects(stranger)
    from notifications.models import NotificationPreference

    NotificationPreference.for_user(owner)  # made on a first visit; here before the snapshot
    ids = {}
    for objects in (own, theirs):
        for name in ("chat", "document", "report", "memory", "notification", "skill"):
            obj = getattr(objects, name)
            ids.setdefault(type(obj), []).append(str(obj.pk))
    client = Client()
    client.force_login(owner)
    return owner, stranger, ids, client


@pytest.mark.parametrize("form_path", sorted(form_targets()))
def test_form_fuzz_never_500_and_a_rejected_post_saves_nothing(form_path, people):
    owner, _stranger, ids, client = people
    form_class = discovered_forms()[form_path]
    target = form_targets()[form_path]

    @FUZZ
    @given(data=post_data(form_class, ids))
    def run(data):
        RUN["examples"] += 1
        data = _clean(data)
        with transaction.atomic():
            obj = target.factory(owner) if target.factory else None
            url = target.url.format(pk=obj.pk if obj else "")
            if target.form is None:
                valid = False
            else:
                fresh = type(obj)._base_manager.get(pk=obj.pk) if obj else None
                valid = target.form(type(owner)._base_manager.get(pk=owner.pk),
                                    as_query_dict(data), fresh).is_valid()
            before = fingerprint()
            response = client.post(url, data)
            status = response.status_code
            assert status < 500, f"POST {url} {data!r}: {status}"
            if not valid:
                changed = _changes(before, fingerprint())
                assert not changed, f"POST {url} rejected {data!r} but changed {changed}"
            elif 300 <= status < 400:
                follow = client.get(response["Location"])
                assert follow.status_code < 500, f"after POST {url} {data!r}: GET {follow}"
            transaction.set_rollback(True)

    for every in ALWAYS:  # the worst payloads in every field, on every run
        run = example(data=dict.fromkeys(form_class.base_fields, every))(run)
    run()


# --- Uploads -------------------------------------------------------------------------------
def _pdf() -> bytes:
    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), "Total cholesterol 6.1 mmol/L")
    return pdf.tobytes()


def _image(fmt) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


PDF, PNG, JPEG = _pdf(), _image("PNG"), _image("JPEG")
contents = st.one_of(
    st.just(b""),
    st.binary(max_size=4096),
    st.sampled_from([PDF, PNG, JPEG]),
    st.sampled_from([PDF, PNG, JPEG]).flatmap(
        lambda whole: st.integers(1, len(whole) - 1).map(lambda n: whole[:n])),  # truncated
    st.sampled_from([PDF, PNG]).flatmap(  # a real header, then garbage
        lambda whole: st.binary(max_size=512).map(lambda junk: whole[:64] + junk)),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "replace")),
    st.just(b"%PDF-1.7\n" + b"\x00" * 2048),
    st.just(b"<html><script>alert(1)</script></html>"),
)
names = st.one_of(
    st.tuples(st.text(max_size=30), st.sampled_from(
        [".pdf", ".png", ".jpg", ".txt", ".exe", ".PDF", "", ".pdf.exe", ".heic", ".tiff",
         ".svg", ".html"])).map("".join),
    st.sampled_from(["../../etc/passwd", "a" * 300 + ".pdf", "\u202efdp.exe", "анализ.pdf",
                     "C:\\Windows\\x.pdf", " .pdf", ".", "con.pdf"]),
)
mime_types = st.sampled_from(["application/pdf", "image/png", "text/plain",
                              "application/octet-stream", "text/html", "x/../y", ""])
few = st.lists(st.tuples(names, contents, mime_types), max_size=6)
many = st.lists(st.tuples(names, st.binary(max_size=32), mime_types), min_size=48, max_size=52)
uploads = st.one_of(few, few, few, many)  # Django refuses more than 50 files a request


def _upload(name, data, mime):
    upload = SimpleUploadedFile("upload", data, content_type=mime or "application/octet-stream")
    # Past Django's own check of the name, which runs in the client: a browser may send any.
    upload._name = name
    return upload


def _stored_files() -> set[str]:
    root = Path(django_settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} \
        if root.exists() else set()


def test_upload_fuzz_never_500_and_only_accepted_files_are_kept(people):
    _owner, _stranger, _ids, client = people
    from documents.models import Document

    @FUZZ
    @given(files=uploads)
    def run(files):
        RUN["examples"] += 1
        with transaction.atomic():
            before, files_before = fingerprint(), _stored_files()
            documents_before = Document.objects.count()
            posted = [_upload(name, data, mime) for name, data, mime in files]
            response = client.post("/documents/", {"files": posted})
            status = response.status_code
            assert status < 500, f"{len(files)} files: {status}"
            try:
                outcomes = response.context["outcomes"]
            except (TypeError, KeyError):  # a redirect, or Django's own 400 page
                outcomes = []
            kept = [o for o in outcomes if o.get("document") and not o.get("duplicate")]
            new_rows = Document.objects.count() - documents_before
            new_files = _stored_files() - files_before
            if status >= 400 and not kept:
                assert not _changes(before, fingerprint()), f"refused upload changed rows: {files!r}"
            if 300 <= status < 400:
                assert new_rows >= 0
            else:
                assert new_rows == len(kept), (status, outcomes)
            assert len(new_files) == new_rows, (
                f"files on disk {sorted(new_files)} for {new_rows} new documents")
            transaction.set_rollback(True)
            for name in new_files:  # the rollback keeps no row; the storage keeps no file
                (Path(django_settings.MEDIA_ROOT) / name).unlink()

    run = example(files=[("a\x00b.pdf", PDF, "application/pdf")])(run)
    run = example(files=[("empty.pdf", b"", "application/pdf")] * 3)(run)
    run()


# --- Query-string fields (search boxes, filters, paging) -----------------------------------
# Page → the GET fields its view reads. `{chat}` is the signed-in user's own chat.
QUERY_FIELDS = {
    "/chats/": ["q", "archived"],
    "/chats/{chat}/": ["before", "fragment"],
    "/documents/": ["page", "fragment"],
    "/documents/search/": ["q"],
    "/memory/": ["importance", "inactive"],
    "/notifications/": ["page"],
    "/pdfs/": ["page"],
}


@pytest.mark.parametrize("page", sorted(QUERY_FIELDS))
def test_query_string_fuzz_never_500(page, people):
    owner, _stranger, _ids, client = people
    from chats.models import Chat

    chat = Chat.objects.for_user(owner).first()
    url = page.format(chat=chat.pk)
    fields = QUERY_FIELDS[page]

    @FUZZ
    @given(params=st.fixed_dictionaries({name: hostile_text for name in fields}),
           htmx=st.booleans())
    def run(params, htmx):
        RUN["examples"] += 1
        params = {k: v[:5000] for k, v in _clean(params).items()}
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.get(url, params, headers=headers)
        assert response.status_code < 500, f"GET {url} {params!r}: {response.status_code}"

    for every in ALWAYS:
        run = example(params=dict.fromkeys(fields, every), htmx=False)(run)
    run()


def test_zz_report_examples_run():
    """Last in the file: the figure for the run (shown with -s)."""
    print(f"\nfuzzing: {len(discovered_forms())} forms, the upload field and "
          f"{len(QUERY_FIELDS)} query-string pages, {RUN['examples']} examples in this run")
