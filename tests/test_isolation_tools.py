"""Every assistant tool, called for a stranger with the owner's ids and words in every
id-like and search field, finds nothing of the owner's and changes nothing of the owner's.

Generic over `chats.tool_registry.all_tools()`: a tool added later fails here until
TOOL_INPUTS in tests/ownership_registry.py says how to aim it at the owner's objects."""

import json

import pymupdf
import pytest
from django.forms.models import model_to_dict

from chats.models import Chat
from chats.tool_registry import ToolContext, all_tools
from documents.models import GeneratedPDF

from .ownership_registry import MARKER, TOOL_INPUTS, make_owner_objects

pytestmark = pytest.mark.django_db


def _tool_names():
    return [tool.name for tool in all_tools()]


def test_the_registry_holds_the_known_tools():
    assert {"search_documents", "generate_pdf", "get_memory", "save_memory",
            "schedule_notification"} <= set(_tool_names())


def test_every_tool_has_an_input_builder():
    missing = sorted(set(_tool_names()) - set(TOOL_INPUTS))
    assert not missing, (
        f"Assistant tools with no input builder in TOOL_INPUTS of tests/ownership_registry.py "
        f"(add one that puts the owner's object ids into every id-like field): {missing}"
    )


def _owner_state(owner, objects):
    rows = {}
    for name in ("chat", "document", "report", "memory", "notification", "skill"):
        obj = getattr(objects, name)
        fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
        rows[name] = model_to_dict(fresh) if fresh else None
    counts = {model.__name__: model._default_manager.filter(user=owner).count()
              for model in {type(getattr(objects, n)) for n in rows}}
    return rows, counts


def _strings(data):
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return []


def _pdf_text(report) -> str:
    with report.file.open("rb") as handle, pymupdf.open(stream=handle.read()) as pdf:
        return "".join(page.get_text() for page in pdf)


@pytest.mark.parametrize("name", _tool_names())
def test_tool_as_a_stranger_never_reaches_the_owners_data(name, make_user):
    from chats.tool_registry import get

    builder = TOOL_INPUTS.get(name)
    if builder is None:
        pytest.fail(f"The tool {name!r} has no input builder in TOOL_INPUTS of "
                    f"tests/ownership_registry.py: add one.")
    owner = make_user("owner@example.com")
    stranger = make_user("stranger@example.com")
    objects = make_owner_objects(owner)
    own_chat = Chat.objects.create(user=stranger, title="Stranger's chat")
    before = _owner_state(owner, objects)
    reports_before = set(GeneratedPDF.objects.values_list("pk", flat=True))
    inputs = builder(objects)
    assert inputs, f"TOOL_INPUTS[{name!r}] gave no input"
    for data in inputs:
        result = get(name).run(ToolContext(user=stranger, chat=own_chat), data)
        shown = " ".join([result.content, result.summary,
                          json.dumps(result.data, default=str, ensure_ascii=False)])
        # What the stranger typed may be echoed back ("No documents match …"); anything
        # else of the owner's may not.
        for echoed in _strings(data):
            shown = shown.replace(echoed, "")
        assert MARKER not in shown, f"{name}({data}) as a stranger showed the owner's data"
        for owner_id in objects.ids():
            assert owner_id not in shown, (
                f"{name}({data}) as a stranger named one of the owner's objects"
            )
        for report in GeneratedPDF.objects.exclude(pk__in=reports_before):
            assert report.user_id == stranger.pk
            assert MARKER not in _pdf_text(report), f"{name}({data}): the owner's data in a PDF"
        assert _owner_state(owner, objects) == before, (
            f"{name}({data}) as a stranger changed the owner's objects"
        )
