"""Lab trends: one series per analyte across documents, one unit, band and flags drawn."""

import datetime

import pytest

from documents.lab_values import normalise_document
from documents.models import Document
from documents.trends import lab_series

pytestmark = pytest.mark.django_db


def lab(user, day, values, name=None):
    document = Document.objects.create(
        user=user, filename=name or f"lipids-{day}.pdf", sha256=f"{day}-{name}",
        mime_type="application/pdf", status="completed", doc_type="lab_result",
        document_date=datetime.date.fromisoformat(day), metadata={"lab_values": values},
    )
    normalise_document(document)
    return document


def ldl(value, unit="mmol/L", ref="< 3.0", name="LDL cholesterol", flag=""):
    return {"analyte": name, "value": value, "unit": unit, "reference_range": ref, "flag": flag}


def test_three_lipid_panels_make_one_series_in_one_unit(user):
    lab(user, "2025-01-10", [ldl(3.4, flag="high")])
    lab(user, "2025-04-10", [ldl(116, unit="mg/dL", ref="< 116", name="LDL-C")])
    lab(user, "2025-07-10", [ldl("2,6", unit="ммоль/л", ref="до 3,0", name="ЛПНП")])
    (series,) = lab_series(user)
    assert series.unit == "mmol/L"
    # NCEP ATP III: LDL cholesterol mg/dL × 0.02586 = mmol/L
    assert [point.value for point in series.points] == pytest.approx([3.4, 3.0, 2.6], abs=0.005)
    assert [point.out_of_range for point in series.points] == [True, False, False]
    assert series.high == pytest.approx(3.0) and series.low is None


def test_mass_and_molar_units_of_one_analyte_are_one_series(user):
    lab(user, "2025-01-10", [{"analyte": "Vitamin D", "value": 30, "unit": "ng/mL"}])
    lab(user, "2025-02-10", [{"analyte": "Витамин D", "value": 75, "unit": "нмоль/л"}])
    (series,) = lab_series(user)
    # 25-OH vitamin D: 1 ng/mL = 2.496 nmol/L (molar mass 400.64 g/mol)
    assert series.unit == "nmol/L"
    assert [point.value for point in series.points] == pytest.approx([74.9, 75], abs=0.05)


def test_unknown_units_become_their_own_series(user):
    lab(user, "2025-01-10", [{"analyte": "Zonulin", "value": 30, "unit": "ng/mL"}])
    lab(user, "2025-02-10", [{"analyte": "Zonulin", "value": 75, "unit": "units"}])
    assert sorted(series.unit for series in lab_series(user)) == ["ng/mL", "units"]


def test_other_users_values_never_appear(user, other_user):
    lab(other_user, "2025-01-10", [ldl(9.9)])
    assert lab_series(user) == []


def test_trends_page_draws_a_chart_with_band_and_marked_points(signed_in_client, user):
    for day, value in (("2025-01-10", 3.4), ("2025-04-10", 2.9), ("2025-07-10", 2.5)):
        lab(user, day, [ldl(value, ref="1.0-3.0"),
                        {"analyte": "Glucose", "value": 5.0, "unit": "mmol/L",
                         "reference_range": "3.9-5.5"}])
    page = signed_in_client.get("/memory/trends/").content.decode()
    assert page.count("<svg class=\"trend-chart") == 2
    assert page.count("data-reference-band") == 2
    assert page.count("data-out-of-range") == 1
    assert "LDL cholesterol" in page and "Glucose" in page


def test_trends_page_without_values_says_what_to_do(signed_in_client):
    page = signed_in_client.get("/memory/trends/").content.decode()
    assert "No lab values yet" in page
