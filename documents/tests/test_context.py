"""What a chat turn is given from the documents: excerpts and an analyte's values in the
current user turn, as data — for natural questions in English and Russian."""

import datetime

import pytest
from channels.layers import channel_layers

from chats.assistant import turns
from chats.models import Chat
from documents import search
from documents.lab_values import normalise_document
from documents.models import Document
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db(transaction=True)

IRON_EN = ("Northside Laboratory — Iron studies\nDate: 2025-06-10\n"
           "Ferritin 12 ng/mL (15-150) LOW\nSerum iron 9 umol/L (9-30)\n"
           "Comment: low iron stores, consider supplementation.")
IRON_RU = ("Лаборатория «Гемотест» — Обмен железа\nДата: 2026-02-03\n"
           "Ферритин 28 нг/мл (15-150)\nЖелезо сыворотки 14 мкмоль/л (9-30)")
LIPIDS = ("City Lab — Lipid panel\nTotal cholesterol 6.1 mmol/L (3.0-5.2) HIGH\n"
          "LDL cholesterol 4.0 mmol/L (< 3.0) HIGH")
LETTER_RU = "Консультация кардиолога. Пациентка жалуется на головокружение и слабость."


def document(user, name, text, day, lab_values=()):
    doc = Document.objects.create(
        user=user, filename=name, mime_type="text/plain", sha256=name, extracted_text=text,
        status=Document.Status.COMPLETED, document_date=day, doc_type="lab_result",
        metadata={"lab_values": list(lab_values)},
    )
    search.index_document(doc)
    normalise_document(doc)
    return doc


@pytest.fixture
def iron_history(user, other_user):
    english = document(user, "iron-2025.txt", IRON_EN, datetime.date(2025, 6, 10), [
        {"analyte": "Ferritin", "value": "12", "unit": "ng/mL", "reference_range": "15-150",
         "flag": "low"},
        {"analyte": "Serum iron", "value": "9", "unit": "umol/L", "reference_range": "9-30"},
    ])
    russian = document(user, "железо-2026.txt", IRON_RU, datetime.date(2026, 2, 3), [
        {"analyte": "Ферритин", "value": "28", "unit": "нг/мл", "reference_range": "15-150"},
    ])
    document(user, "lipids.txt", LIPIDS, datetime.date(2025, 3, 14), [
        {"analyte": "Total cholesterol", "value": "6.1", "unit": "mmol/L",
         "reference_range": "3.0-5.2", "flag": "high"},
    ])
    document(user, "cardiology.txt", LETTER_RU, datetime.date(2025, 9, 1))
    document(other_user, "bob-iron.txt", "Ferritin 999 ng/mL BOB", datetime.date(2025, 1, 1),
             [{"analyte": "Ferritin", "value": "999", "unit": "ng/mL"}])
    return english, russian


async def ask(user, text) -> list[dict]:
    """Runs one real turn against the fake Messages API; the last user message it sent."""
    channel_layers.backends.clear()
    chat = await Chat.objects.acreate(user=user)
    task = await turns.start(user, chat.pk, text)
    await task
    return task.result()


@pytest.mark.parametrize("question", ["What was my ferritin last year?",
                                      "Какой у меня был ферритин?"])
async def test_a_question_about_ferritin_brings_its_excerpt_and_values_into_the_user_turn(
    fake_anthropic, user, iron_history, question
):
    english, russian = iron_history
    fake_anthropic.queue(Reply.text("Your ferritin was low in June 2025."))
    await ask(user, question)

    request = fake_anthropic.last_request
    last = request["messages"][-1]
    assert last["role"] == "user"
    texts = [block["text"] for block in last["content"]]
    assert texts[-1] == question  # the user's own words come last
    data = "\n".join(texts[:-1])
    # The excerpt of the ferritin document, as a labelled data block.
    assert f'<data source="document:{english.pk}"' in data
    assert "Ferritin 12 ng/mL" in data
    assert f'<data source="document:{russian.pk}"' in data and "Ферритин 28" in data
    # Its values over time, both reports in one unit, in date order.
    assert '<data source="lab_values"' in data
    # In the SI unit (µg/L = ng/mL), each with what was printed and its source document.
    assert ("| 2025-06-10 | 12 | µg/L | 15–150 | low | Ferritin: 12 ng/mL | "
            f"document:{english.pk} “iron-2025.txt”") in data
    assert "| 2026-02-03 | 28 | µg/L | 15–150 |" in data
    assert data.index("2025-06-10 | 12") < data.index("2026-02-03 | 28")
    # Nothing unrelated and nothing of another user; nothing of it in the system prompt.
    # Bob's ferritin, as his excerpt ("999 ng/mL") or as a row of the values table; a bare
    # "999" could be part of a document id in a block's source
    assert "cholesterol" not in data.lower() and "BOB" not in data
    assert "999 ng" not in data and "| 999 |" not in data
    system = "\n".join(block["text"] for block in request["system"])
    assert "Ferritin 12" not in system and "ng/mL" not in system


async def test_a_message_naming_no_analyte_gets_no_values_table(fake_anthropic, user,
                                                                 iron_history):
    fake_anthropic.queue(Reply.text("Hello!"))
    await ask(user, "Hello, how are you today?")
    texts = [block["text"] for block in fake_anthropic.last_request["messages"][-1]["content"]]
    assert not any(text.startswith("<data") for text in texts)
