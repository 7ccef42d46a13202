"""Lab trends: one series per analyte across documents, one unit, band and flags drawn."""

import datetime

import pytest

from documents.models import Document
from documents.trends import lab_series, reference_range

pytestmark = pytest.mark.django_db


def lab(user, day, values, name=None):
    return Document.objects.create(
        user=user, filename=name or f"lipids-{day}.pdf", sha256=f"{day}-{name}",
        mime_type="application/pdf", status="completed", doc_type="lab_result",
        document_date=datetime.date.fromisoformat(day), metadata={"lab_values": values},
    )


def ldl(value, unit="mmol/L", ref="< 3.0", name="LDL cholesterol", flag=""):
    return {"analyte": name, "value": value, "unit": unit, "reference_range": ref, "flag": flag}


def test_three_lipid_panels_make_one_series_in_one_unit(user):
    lab(user, "2025-01-10", [ldl(3.4, flag="high")])
    lab(user, "2025-04-10", [ldl(116, unit="mg/dL", ref="< 116", name="LDL-C")])
    lab(user, "2025-07-10", [ldl("2,6", unit="ммоль/л", ref="до 3,0", name="ЛПНП")])
    (series,) = lab_series(user)
    assert series.unit == "mmol/L"
    assert [point.value for point in series.points] == [3.4, 3.0, 2.6]
    assert [point.out_of_range for point in series.points] == [True, False, False]
    assert series.high == 3.0 and series.low is None


def test_unconvertible_units_become_their_own_series(user):
    lab(user, "2025-01-10", [{"analyte": "Vitamin D", "value": 30, "unit": "ng/mL"}])
    lab(user, "2025-02-10", [{"analyte": "Vitamin D", "value": 75, "unit": "nmol/L"}])
    assert sorted(series.unit for series in lab_series(user)) == ["ng/mL", "nmol/L"]


def test_reference_ranges_in_common_notations():
    assert reference_range("3.5-5.0") == (3.5, 5.0)
    assert reference_range("3,5 – 5,0") == (3.5, 5.0)
    assert reference_range("< 5.2") == (None, 5.2)
    assert reference_range("> 1.0") == (1.0, None)
    assert reference_range("normal") == (None, None)


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
