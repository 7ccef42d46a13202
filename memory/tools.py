"""The assistant's memory tools: save_memory, get_memory, get_health_record (read only),
and record_vital / save_medication (proposals the user confirms), always as the chat's
owner."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chats import actions
from chats.tool_registry import Tool, ToolContext, ToolResult, register

from . import actions as memory_actions
from . import health_actions
from .models import Medication, MemoryEntry, Vital

CATEGORIES = [choice for choice, _label in MemoryEntry.Category.choices]
IMPORTANCES = [choice for choice, _label in MemoryEntry.Importance.choices]


def save_memory(context: ToolContext, data: dict) -> ToolResult:
    title = str(data.get("title") or "").strip()[:200]
    if not title:
        return ToolResult(content="A title is required.", summary=_("Nothing saved"), is_error=True)
    category = data.get("category") if data.get("category") in CATEGORIES else "other"
    importance = data.get("importance") if data.get("importance") in IMPORTANCES else "medium"
    content = str(data.get("content") or "").strip()
    # The same fact said twice updates the entry instead of duplicating it.
    entry = memory_actions.existing_entry(context.user, title, category)
    payload = {"title": title, "category": category, "importance": importance,
               "content": content, "entry": str(entry.pk) if entry else ""}
    origin = actions.from_chat(context.chat)
    detail = {"title": title, "category": category, "importance": importance, "content": content}
    # A turn that read a document, a file or a tool's result confirms whatever it saves.
    if context.untrusted or actions.must_confirm() or \
            memory_actions.needs_confirmation(importance, entry):
        action = actions.propose(
            context.user, memory_actions.SAVE, payload, origin=origin,
            summary=_("Save to memory: %(title)s") % {"title": title},
        )
        return ToolResult(
            content=(f"Not saved yet: saving “{title}” [{category}, {importance}] needs the "
                     "user's confirmation (a card with Confirm / Cancel is shown to them). "
                     "Tell the user it is waiting for their confirmation."),
            summary=_("Waiting for your confirmation: %(title)s") % {"title": title},
            data={**detail, "action": actions.card(action)},
        )
    action = actions.perform(
        context.user, memory_actions.SAVE, payload, origin=origin,
        summary=_("Saved to memory: %(title)s") % {"title": title},
    )
    return ToolResult(
        content=f"Saved memory entry {action.target_id}: [{category}, {importance}] {title}",
        summary=action.summary,
        data={**detail, "id": action.target_id, "action": actions.card(action)},
    )


def get_memory(context: ToolContext, data: dict) -> ToolResult:
    entries = MemoryEntry.objects.for_user(context.user).filter(is_active=True)
    if data.get("category") in CATEGORIES:
        entries = entries.filter(category=data["category"])
    query = str(data.get("query") or "").strip()
    if query:
        entries = entries.filter(Q(title__icontains=query) | Q(content__icontains=query))
    found = list(entries.order_by("category", "title")[:50])
    lines = [f"- [{e.category}, {e.importance}] {e.title}: {e.content}" for e in found]
    return ToolResult(
        content="\n".join(lines) or "No matching memory entries.",
        summary=_("Looked up memory: %(count)s found") % {"count": len(found)},
        data={"count": len(found), "titles": [e.title for e in found[:10]]},
    )


register(Tool(
    name="save_memory",
    description=(
        "Save a lasting fact about the user's health to their long-term memory: a condition, "
        "medication (with dose), allergy, vital sign or other fact worth remembering. Use it "
        "when the user tells you something that will matter in later conversations. An "
        "entry of importance critical, a change to an entry the user wrote, and anything "
        "saved after reading a document, a file or a tool's result wait for the user's "
        "confirmation in the chat. For a medication the user takes with its schedule "
        "use save_medication; for a measured value use record_vital."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "Short name, e.g. 'Metformin 500 mg'"},
            "content": {"type": "string", "description": "Details in one or two sentences"},
            "category": {"type": "string", "enum": CATEGORIES},
            "importance": {"type": "string", "enum": IMPORTANCES},
        },
        "required": ["title", "category"],
    },
    run=save_memory,
    reads_data=False,  # its result only confirms its own input
    label=gettext_lazy("Memory"),
))

register(Tool(
    name="get_memory",
    description="Look up the user's saved health memory, optionally by category or a search word.",
    input_schema={
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": CATEGORIES},
            "query": {"type": "string"},
        },
    },
    run=get_memory,
    label=gettext_lazy("Memory lookup"),
))


def get_health_record(context: ToolContext, data: dict) -> ToolResult:
    """Read only: active medications (schedule, adherence), the latest vitals, active
    conditions and allergies (with their source) and vaccines."""
    from .clinical import active_lines, immunization_lines
    from .health_summary import summary_text

    with translation.override("en"):  # the model reads English labels
        text = summary_text(context.user)
        record = active_lines(context.user)
        vaccines = immunization_lines(context.user)
    if record:
        text = "\n\n".join(filter(None, [
            text, "Active conditions and allergies:\n" + "\n".join(record)]))
    if vaccines:
        text = "\n\n".join(filter(None, [text, "Vaccines:\n" + "\n".join(vaccines)]))
    return ToolResult(
        content=text or "No medications, vitals, conditions or allergies are recorded yet.",
        summary=_("Looked at your health record"),
        data={"empty": not text},
    )


register(Tool(
    name="get_health_record",
    description=(
        "Read the user's structured health record: active medications with dose, schedule "
        "and how many doses were taken in the last 30 days, the latest vital signs "
        "(blood pressure, heart rate, weight, temperature, glucose, SpO2), active conditions "
        "and allergies with their source, and vaccines. Read-only."
    ),
    input_schema={"type": "object", "properties": {}},
    run=get_health_record,
))


def _proposal(context: ToolContext, kind: str, payload: dict, what: str) -> ToolResult:
    action = actions.propose(
        context.user, kind, payload, origin=actions.from_chat(context.chat),
        summary=_("Waiting for your confirmation: %(what)s") % {"what": what},
    )
    return ToolResult(
        content=(f"Not saved yet: “{what}” needs the user's confirmation (a card with "
                 "Confirm / Cancel is shown to them). Tell the user it is waiting for their "
                 "confirmation."),
        summary=action.summary,
        data={"what": what, "action": actions.card(action)},
    )


def record_vital(context: ToolContext, data: dict) -> ToolResult:
    try:
        payload = health_actions.vital_payload(context.user, data)
    except ValidationError as error:
        return ToolResult(content="Not recorded: " + " ".join(error.messages),
                          summary=_("Nothing recorded"), is_error=True)
    return _proposal(context, health_actions.VITAL, payload,
                     health_actions.describe_vital(payload))


def save_medication(context: ToolContext, data: dict) -> ToolResult:
    try:
        payload = health_actions.medication_payload(data)
    except ValidationError as error:
        return ToolResult(content="Not saved: " + " ".join(error.messages),
                          summary=_("Nothing saved"), is_error=True)
    return _proposal(context, health_actions.MEDICATION, payload,
                     health_actions.describe_medication(payload))


register(Tool(
    name="record_vital",
    description=(
        "Propose recording one vital-sign reading the user reports (blood pressure, heart "
        "rate, weight, height, temperature, blood glucose, SpO2) in their health record. "
        "Nothing is recorded until the user confirms the card shown in the chat. Blood "
        "pressure takes value (systolic) and value2 (diastolic) in mmHg."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": list(Vital.Kind.values)},
            "value": {"type": "number"},
            "value2": {"type": "number", "description": "Diastolic, blood pressure only"},
            "unit": {"type": "string", "description": (
                "mmHg, bpm, kg or lb, cm, °C or °F, mmol/L or mg/dL, %; "
                "omitted: the first of these for the kind")},
            "measured_at": {"type": "string",
                            "description": "ISO 8601 date and time; omitted: now"},
            "note": {"type": "string"},
        },
        "required": ["kind", "value"],
    },
    run=record_vital,
    reads_data=False,  # its result only confirms its own input
    label=gettext_lazy("Vital sign"),
))

register(Tool(
    name="save_medication",
    description=(
        "Propose adding a medication the user takes to their health record, with its "
        "schedule; its dose reminders are created when the user confirms the card shown in "
        "the chat. Times are 24-hour HH:MM in the user's timezone. Give times for a fixed "
        "schedule, every_hours for an interval, or neither for 'as needed'."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "strength": {"type": "string", "description": "e.g. 500 mg"},
            "form": {"type": "string", "enum": list(Medication.Form.values)},
            "dose": {"type": "string", "description": "How much at a time, e.g. 1 tablet"},
            "schedule": {"type": "string", "enum": list(Medication.Schedule.values)},
            "times": {"type": "array", "items": {"type": "string"},
                      "description": "e.g. [\"08:00\", \"20:00\"]"},
            "every_hours": {"type": "integer", "minimum": 1, "maximum": 24},
            "days_of_week": {"type": "array", "items": {"type": "integer"},
                             "description": "ISO weekdays 1 (Monday) to 7; omitted: every day"},
            "start_date": {"type": "string", "description": "YYYY-MM-DD"},
            "end_date": {"type": "string", "description": "YYYY-MM-DD"},
            "instructions": {"type": "string", "description": "e.g. with food"},
            "prescriber": {"type": "string"},
        },
        "required": ["name"],
    },
    run=save_medication,
    reads_data=False,  # its result only confirms its own input
    label=gettext_lazy("Medication"),
))
