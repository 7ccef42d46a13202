"""Reading what labs print: values with qualifiers, results in words, reference ranges in
both languages, units in both scripts, names in any case and punctuation; the out-of-range
flag from the range when the report gives none."""

import pytest

from labs.catalogue import catalogue
from labs.normalise import normalise, parse_range, parse_value
from labs.units import display_unit, factor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("printed", "expected"), [
    ("3.5–5.0", (3.5, 5.0)), ("3,5-5,0", (3.5, 5.0)), ("3,5 – 5,0 ммоль/л", (3.5, 5.0)),
    ("<5.2", (None, 5.2)), ("до 5,2", (None, 5.2)), ("< 5,2", (None, 5.2)),
    ("> 60", (60, None)), ("более 60", (60, None)), ("менее 5", (None, 5)),
    ("≥ 1.0", (1.0, None)), ("60 и более", (60, None)), ("up to 40", (None, 40)),
    ("отрицательно", (None, None)), ("", (None, None)),
])
def test_reference_ranges_in_both_languages(printed, expected):
    assert parse_range(printed) == expected


@pytest.mark.parametrize(("printed", "expected"), [
    (5.4, (5.4, "", "")), ("5,4", (5.4, "", "")), ("<0.5", (0.5, "<", "")),
    ("< 0,5", (0.5, "<", "")), ("≤3", (3.0, "≤", "")), (">90", (90.0, ">", "")),
    ("менее 1", (1.0, "<", "")), ("not detected", (None, "", "not detected")),
    ("отрицательно", (None, "", "отрицательно")), ("положительно", (None, "", "положительно")),
])
def test_values_keep_their_qualifier_or_words(printed, expected):
    assert parse_value(printed) == expected


@pytest.mark.parametrize(("printed", "unit"), [
    ("ммоль/л", "mmol/L"), ("mmol/l", "mmol/L"), ("мкмоль/л", "µmol/L"), ("umol/L", "µmol/L"),
    ("μmol/L", "µmol/L"), ("x10^9/L", "10^9/L"), ("10*9/л", "10^9/L"), ("×10⁹/л", "10^9/L"),
    ("10^3/uL", "10^3/µL"), ("K/µL", "10^3/µL"), ("тыс/мкл", "10^3/µL"), ("г/л", "g/L"),
    ("мг/дл", "mg/dL"), ("нг/мл", "ng/mL"), ("мкМЕ/мл", "µIU/mL"), ("мЕд/л", "mIU/L"),
    ("ммоль/моль", "mmol/mol"),
])
def test_units_printed_in_either_script_are_one_unit(printed, unit):
    assert display_unit(printed) == unit


def test_pint_factors_match_the_published_ones():
    assert factor("10^3/µL", "10^9/L") == pytest.approx(1.0)  # by definition
    assert factor("g/dL", "g/L") == pytest.approx(10.0)
    assert factor("ng/mL", "µg/L") == pytest.approx(1.0)
    assert factor("µIU/mL", "mIU/L") == pytest.approx(1.0)
    # AMA SI table: creatinine mg/dL × 88.4 = µmol/L (113.12 g/mol)
    assert factor("mg/dL", "µmol/L", 113.12) == pytest.approx(88.4, abs=0.05)
    # AMA SI table: glucose mg/dL × 0.0555 = mmol/L (180.16 g/mol)
    assert factor("mg/dL", "mmol/L", 180.16) == pytest.approx(0.0555, abs=0.0001)
    # NCEP ATP III: triglycerides mg/dL × 0.01129 = mmol/L (885.7 g/mol)
    assert factor("mg/dL", "mmol/L", 885.7) == pytest.approx(0.01129, abs=0.00001)
    # AMA SI table: bilirubin mg/dL × 17.1 = µmol/L (584.66 g/mol)
    assert factor("mg/dL", "µmol/L", 584.66) == pytest.approx(17.1, abs=0.01)
    assert factor("mg/dL", "10^9/L") is None  # no sense in it


def test_the_catalogue_holds_over_a_hundred_analytes_in_every_area():
    known = catalogue()
    assert len(known.by_code) >= 100
    from labs.models import Analyte
    assert set(Analyte.objects.values_list("category", flat=True)) >= {
        "blood_count", "lipids", "glucose", "kidney", "liver", "electrolytes", "thyroid",
        "iron", "vitamins", "hormones", "inflammation", "coagulation", "urine"}


@pytest.mark.parametrize(("name", "unit", "code"), [
    ("LDL-C", "mg/dL", "2089-1"), ("ldl c", "mmol/L", "2089-1"), ("ХС-ЛПНП", "ммоль/л", "2089-1"),
    ("Leukocytes", "x10^9/L", "6690-2"), ("ЛЕЙКОЦИТЫ", "10*9/л", "6690-2"),
    ("Leukocytes", "/HPF", "5821-4"),  # the unit tells the urine's from the blood's
    ("Creat", "umol/L", "2160-0"), ("Креатинин (сыворотка)", "мкмоль/л", "2160-0"),
    ("Cholesterol, total", "mg/dL", "2093-3"), ("HbA1c", "%", "4548-4"),
    ("HbA1c", "mmol/mol", "4548-4"), ("Neutrophils", "%", "770-8"),
    ("Neutrophils", "10^9/L", "751-8"), ("ТТГ", "мкМЕ/мл", "3016-3"),
    ("Vitamin D, 25-Hydroxy", "ng/mL", "1989-3"),
])
def test_names_match_their_analyte_in_either_language(name, unit, code):
    assert normalise({"analyte": name, "value": 1, "unit": unit}, catalogue()).series_key == code


def test_an_unknown_name_is_kept_as_its_own_series_never_dropped():
    one = normalise({"analyte": "Zonulin", "value": "41", "unit": "ng/mL",
                     "reference_range": "< 48"}, catalogue())
    assert one.analyte is None and one.series_key == "name:zonulin|ng/mL"
    assert (one.value, one.unit, one.high, one.out_of_range) == (41, "ng/mL", 48, False)


def test_out_of_range_from_the_range_when_the_report_says_nothing():
    known = catalogue()
    high = normalise({"analyte": "Холестерин", "value": "5,8", "unit": "ммоль/л",
                      "reference_range": "до 5,2"}, known)
    assert high.out_of_range is True
    below_limit = normalise({"analyte": "CRP", "value": "<0.5", "unit": "mg/L",
                             "reference_range": "<5"}, known)
    assert (below_limit.qualifier, below_limit.value, below_limit.out_of_range) == ("<", 0.5,
                                                                                  False)
    flagged = normalise({"analyte": "TSH", "value": 2, "unit": "mIU/L",
                         "reference_range": "0.4-4.0", "flag": "high"}, known)
    assert flagged.out_of_range is True  # the report's own flag stands
    negative = normalise({"analyte": "Нитриты", "value": "отрицательно"}, known)
    assert (negative.value, negative.text, negative.out_of_range) == (None, "отрицательно",
                                                                      False)
