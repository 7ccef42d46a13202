"""Three labs, two languages, both unit systems: one series per analyte with the values
converted by published factors, qualified results kept as such, ranges read in either
language, the user's correction of a match, and the whole series in the model's turn."""

import pytest
from channels.layers import channel_layers

from chats.assistant import turns
from chats.models import Chat
from chats.tool_registry import ToolContext, get
from documents.trends import lab_series
from labs.models import LabValue
from memory.models import HealthPreference
from tests.fakes.anthropic_server import Reply

from .lab_reports import process, process_all, row

pytestmark = pytest.mark.django_db


def by_code(user):
    return {series.code or series.key: series for series in lab_series(user)}


def values(series):
    return [point.value for point in series.points]


def test_three_labs_make_one_series_per_analyte_in_si_units(user, fake_anthropic):
    process_all(user, fake_anthropic)
    series = by_code(user)
    # 28 values of 11 analytes; none kept apart under a printed name.
    assert sorted(series) == sorted([
        "2345-7", "2093-3", "2089-1", "2085-9", "2160-0", "6690-2", "718-7", "4548-4",
        "1988-5", "1989-3", "5802-4"])
    assert LabValue.objects.for_user(user).count() == 28
    # Glucose: mg/dL × 0.0555 = mmol/L (AMA SI conversion table; 180.16 g/mol)
    assert series["2345-7"].unit == "mmol/L"
    assert values(series["2345-7"]) == pytest.approx([5.49, 5.6, 5.2], abs=0.01)
    # Cholesterol: mg/dL × 0.02586 = mmol/L (NCEP ATP III)
    assert values(series["2093-3"]) == pytest.approx([5.56, 5.8, 5.1], abs=0.01)
    assert values(series["2089-1"]) == pytest.approx([3.36, 3.4, 2.9], abs=0.01)
    # Creatinine: mg/dL × 88.4 = µmol/L (AMA; 113.12 g/mol)
    assert series["2160-0"].unit == "µmol/L"
    assert values(series["2160-0"]) == pytest.approx([97.2, 92, 85], abs=0.1)
    # White cells: 10^3/µL = 10^9/L (the same count by definition)
    assert series["6690-2"].unit == "10^9/L"
    assert values(series["6690-2"]) == pytest.approx([6.8, 7.2, 6.1])
    assert {point.name for point in series["6690-2"].points} == {"WBC", "Лейкоциты",
                                                                 "Leukocytes"}
    # Hemoglobin: g/dL × 10 = g/L
    assert values(series["718-7"]) == pytest.approx([141, 145, 150])
    # HbA1c: IFCC = (NGSP − 2.152) / 0.09148 (IFCC–NGSP master equation): 5.9 % ≈ 41,
    # 6.0 % = 42 mmol/mol (the published IFCC table); the UK value stays 44.
    assert series["4548-4"].unit == "mmol/mol"
    assert values(series["4548-4"]) == pytest.approx([41.0, 42.1, 44], abs=0.1)
    # 25-OH vitamin D: ng/mL × 2.496 = nmol/L (400.64 g/mol)
    assert values(series["1989-3"]) == pytest.approx([74.9, 80], abs=0.1)


def test_qualifiers_ranges_and_flags_are_read_not_guessed(user, fake_anthropic):
    process_all(user, fake_anthropic)
    series = by_code(user)
    crp = series["1988-5"].points[-1]
    assert (crp.qualifier, crp.value, crp.label) == ("<", 0.5, "<0.5")
    assert crp.out_of_range is False  # below 0.5, under the limit of 5
    cholesterol = series["2093-3"].points
    # "до 5,2" is an upper limit of 5.2: 5.8 is out of range though the report flagged
    # nothing; the US "<200" mg/dL is 5.17 mmol/L.
    assert cholesterol[1].high == pytest.approx(5.2) and cholesterol[1].low is None
    assert [point.out_of_range for point in cholesterol] == [True, True, True]
    assert series["2085-9"].points[0].low == pytest.approx(1.01, abs=0.01)  # "> 39" mg/dL
    nitrite = series["5802-4"].points[0]
    assert nitrite.value is None and nitrite.label == "отрицательно"
    assert nitrite.out_of_range is False
    first = series["4548-4"].points[0]
    assert (first.printed_value, first.printed_unit, first.page) == ("5.9", "%", 2)


def test_conventional_units_when_the_user_prefers_them(user, fake_anthropic):
    process_all(user, fake_anthropic)
    HealthPreference.objects.update_or_create(user=user, defaults={"lab_units": "conventional"})
    series = by_code(user)
    assert series["2089-1"].unit == "mg/dL"
    assert values(series["2089-1"]) == pytest.approx([130, 131.5, 112.1], abs=0.1)
    assert series["2160-0"].unit == "mg/dL"
    assert values(series["2160-0"]) == pytest.approx([1.1, 1.04, 0.96], abs=0.01)
    assert series["4548-4"].unit == "%"
    assert values(series["4548-4"]) == pytest.approx([5.9, 6.0, 6.18], abs=0.01)
    assert series["6690-2"].unit == "10^3/µL"


def test_trends_page_draws_one_chart_per_analyte_with_sources_and_limits(
        signed_in_client, user, fake_anthropic):
    *_, uk = process_all(user, fake_anthropic)
    page = signed_in_client.get("/memory/trends/").content.decode()
    assert page.count('<section class="card min-w-0" data-analyte=') == 11
    assert page.count("<svg class=\"trend-chart") == 10  # nitrite: words only, a table
    assert page.count("data-qualified") == 1 and "&lt;0.5 mg/L" in page
    assert "LDL-C: 130 mg/dL" in page and "Холестерин ЛПНП: 3,4 ммоль/л" in page
    assert f"/documents/{uk.pk}/" in page and "Royal Free Hospital" in page


async def ask(user, text):
    channel_layers.backends.clear()
    chat = await Chat.objects.acreate(user=user)
    task = await turns.start(user, chat.pk, text)
    await task


@pytest.fixture
def three_labs(user, fake_anthropic):
    return process_all(user, fake_anthropic)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("question", ["How has my LDL changed?",
                                      "Как менялся холестерин ЛПНП?"])
async def test_a_question_naming_ldl_brings_its_whole_series_with_sources(
        fake_anthropic, user, three_labs, question):
    us, ru, uk = three_labs
    fake_anthropic.queue(Reply.text("It fell."))
    await ask(user, question)
    texts = [block["text"] for block in fake_anthropic.last_request["messages"][-1]["content"]]
    data = "\n".join(texts[:-1])
    assert '<data source="lab_values" title="LDL cholesterol, LOINC 2089-1' in data
    assert "| 2025-03-10 | 3.362 | mmol/L | < 2.586 | high | LDL-C: 130 mg/dL | " \
        f"document:{us.pk} “us-quest-2025.pdf”, page 1; Quest Diagnostics |" in data
    assert f"| 2025-09-15 | 3.4 | mmol/L | < 3 | out of range | Холестерин ЛПНП: 3,4 ммоль/л " \
        f"| document:{ru.pk}" in data
    assert f"| 2026-02-20 | 2.9 | mmol/L | < 3 |  | LDL-C: 2.9 mmol/L | document:{uk.pk}" in data
    # Figures computed in code.
    assert "Latest: 2.9 mmol/L on 2026-02-20." in data
    assert "Previous: 3.4 mmol/L on 2025-09-15." in data
    assert "Change from previous: -0.5 mmol/L." in data
    assert "Direction over the period: falling." in data
    assert "Out of range: 2 of 3." in data
    assert 'title="Total cholesterol' not in data  # only the analyte named has its series


def test_the_tool_returns_any_analyte_by_any_name_for_its_owner_only(
        user, other_user, fake_anthropic):
    process_all(user, fake_anthropic)
    tool = get("get_lab_series")
    result = tool.run(ToolContext(user), {"analyte": "лейкоциты"})
    assert not result.is_error
    assert "White blood cells, LOINC 6690-2: every value in 10^9/L" in result.content
    assert "| 2025-03-10 | 6.8 | 10^9/L |" in result.content
    assert "| 2026-02-20 | 6.1 | 10^9/L |" in result.content
    assert "Out of range: 0 of 3." in result.content
    assert "6.8" not in tool.run(ToolContext(other_user), {"analyte": "WBC"}).content


def test_the_user_moves_a_value_to_another_analyte_and_it_stays(
        signed_in_client, user, other_user, fake_anthropic):
    document = process(user, fake_anthropic, ("odd.pdf", "2025-05-05", "Small lab", [
        row("Sugar (fasting)", 101, "mg/dL", "70-99")]))
    (odd,) = lab_series(user)
    assert odd.code == "" and odd.name == "Sugar (fasting)"  # unknown: its own series
    value = LabValue.objects.get(user=user)
    url = f"/memory/trends/values/{value.pk}/match/"
    assert "Glucose" in signed_in_client.get(url).content.decode()
    assert signed_in_client.post(url, {"analyte": "nonsense"}).status_code == 400
    assert signed_in_client.post(url, {"analyte": "2345-7"}).status_code == 302
    (glucose,) = lab_series(user)
    assert glucose.code == "2345-7" and values(glucose) == pytest.approx([5.61], abs=0.01)
    document.refresh_from_db()
    assert document.metadata["lab_values"][0]["analyte_code"] == "2345-7"
    # Processing the facts again (the pipeline's normalisation) keeps the user's match.
    from documents.lab_values import normalise_document
    normalise_document(document)
    assert lab_series(user)[0].code == "2345-7"
    signed_in_client.force_login(other_user)
    assert signed_in_client.post(url, {"analyte": "2093-3"}).status_code == 404


def test_the_document_page_says_which_analyte_each_value_is(signed_in_client, user,
                                                             fake_anthropic):
    _, russian, _ = process_all(user, fake_anthropic)
    page = signed_in_client.get(f"/documents/{russian.pk}/").content.decode()
    assert "Холестерин общий" in page and "Total cholesterol" in page
    # "5,8" against "до 5,2" and "3,4" against "менее 3,0": out of range though the
    # report flagged neither.
    assert page.count("data-computed-flag") == 2
    value = LabValue.objects.get(source_document=russian, name="Холестерин общий")
    assert f"/memory/trends/values/{value.pk}/match/" in page
