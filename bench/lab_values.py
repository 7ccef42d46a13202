"""Lab values (issue 19, Speed): normalising a report of 60 values, and the values of five
named analytes for a user with 10,000 values. Not a test:

    DATA_DIR=$(mktemp -d) .venv/bin/python bench/lab_values.py              # embedded (SQLite)
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/lab_values.py

`normalise` times documents.lab_values.normalise_document for one report of 60 values in
three labs' names, units and languages (matching, pint conversions, ranges, qualifiers,
and replacing the document's rows), after a warm-up that loads the catalogue and pint.
`five analytes` times the user turn's lab-values provider for a message naming five
analytes (which series the message names, then their values with sources and figures),
for a user with 10,000 values over 250 reports; `series only` times the query and the
series of those five alone.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATA_DIR" not in os.environ:  # a throwaway embedded database unless told otherwise
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="anamnesis-bench-")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

NORMALISE_LIMIT_MS = 50.0
SERIES_LIMIT_MS = 30.0
QUESTION = "How have my LDL, HbA1c, creatinine, ferritin and TSH changed?"

# (name, value, unit, range) in the three labs' ways; 20 of each → 60 values
US = [("Glu", 99, "mg/dL", "65-99"), ("Chol", 215, "mg/dL", "<200"),
      ("LDL-C", 130, "mg/dL", "<100"), ("HDL", 52, "mg/dL", "> 39"),
      ("Triglycerides", 150, "mg/dL", "<150"), ("Creatinine", 1.1, "mg/dL", "0.74-1.35"),
      ("BUN", 15, "mg/dL", "6-24"), ("WBC", 6.8, "x10^3/uL", "3.4-10.8"),
      ("RBC", 4.9, "x10^6/uL", "4.14-5.80"), ("Hemoglobin", 14.1, "g/dL", "13.0-17.7"),
      ("Hematocrit", 42, "%", "37.5-51.0"), ("Platelets", 250, "x10^3/uL", "150-450"),
      ("Hemoglobin A1c", 5.9, "%", "4.8-5.6"), ("TSH", 2.1, "uIU/mL", "0.45-4.5"),
      ("Ferritin", 80, "ng/mL", "30-400"), ("Vitamin D, 25-Hydroxy", 30, "ng/mL", "30-100"),
      ("ALT (SGPT)", 25, "IU/L", "0-44"), ("AST (SGOT)", 22, "IU/L", "0-40"),
      ("CRP", "<0.5", "mg/L", "0.0-4.9"), ("Sodium", 140, "mEq/L", "134-144")]
RU = [("Глюкоза", "5,6", "ммоль/л", "3,9-6,1"), ("Холестерин общий", "5,8", "ммоль/л", "до 5,2"),
      ("Холестерин ЛПНП", "3,4", "ммоль/л", "менее 3,0"), ("ЛПВП", "1,3", "ммоль/л", "более 1,0"),
      ("Триглицериды", "1,6", "ммоль/л", "до 1,7"), ("Креатинин", "92", "мкмоль/л", "62-106"),
      ("Мочевина", "5,1", "ммоль/л", "2,8-7,2"), ("Лейкоциты", "7,2", "10*9/л", "4,0-9,0"),
      ("Эритроциты", "4,8", "10*12/л", "4,3-5,7"), ("Гемоглобин", "145", "г/л", "130-160"),
      ("Гематокрит", "43", "%", "39-49"), ("Тромбоциты", "240", "10*9/л", "150-400"),
      ("Гликированный гемоглобин", "6,0", "%", "4,0-6,0"), ("ТТГ", "2,3", "мкМЕ/мл", "0,4-4,0"),
      ("Ферритин", "85", "нг/мл", "20-250"), ("Витамин D", "80", "нмоль/л", "75-250"),
      ("АЛТ", "28", "Ед/л", "до 41"), ("АСТ", "24", "Ед/л", "до 37"),
      ("С-реактивный белок", "1,2", "мг/л", "0-5"), ("Нитриты", "отрицательно", "", "")]
UK = [("Glucose", 5.2, "mmol/L", "3.0-6.0"), ("Total cholesterol", 5.1, "mmol/L", "<5.0"),
      ("LDL-C", 2.9, "mmol/L", "<3.0"), ("HDL-C", 1.4, "mmol/L", ">1.0"),
      ("Triglyceride", 1.5, "mmol/L", "<1.7"), ("Creat", 85, "umol/L", "59-104"),
      ("Urea", 5.0, "mmol/L", "2.5-7.8"), ("Leukocytes", 6.1, "x10^9/L", "4.0-11.0"),
      ("Erythrocytes", 4.7, "x10^12/L", "4.5-5.9"), ("Haemoglobin", 150, "g/L", "130-170"),
      ("Haematocrit", 0.44, "L/L", "0.40-0.52"), ("Platelets", 260, "x10^9/L", "150-400"),
      ("HbA1c", 44, "mmol/mol", "<42"), ("TSH", 1.9, "mU/L", "0.27-4.2"),
      ("Ferritin", 90, "ug/L", "30-400"), ("25-OH Vit D", 70, "nmol/L", ">50"),
      ("ALT", 30, "U/L", "<41"), ("Alk phos", 80, "U/L", "30-130"),
      ("CRP", "<4", "mg/L", "<5"), ("eGFR", ">90", "mL/min/1.73m2", ">60")]


def items():
    return [{"analyte": name, "value": value, "unit": unit, "reference_range": ref,
             "flag": None, "page": 1} for name, value, unit, ref in US + RU + UK]


def catalogue_items() -> list[dict]:
    """One value of each analyte of the catalogue, in its SI unit."""
    from labs.models import Analyte

    return [{"analyte": analyte.name_en, "value": 1 + n % 9, "unit": analyte.unit,
             "reference_range": "1-8", "page": 1}
            for n, analyte in enumerate(Analyte.objects.order_by("code"))]


def seed(email: str, reports: int, dense: bool):
    """A user with `reports` reports of 40 values each: a check-up's 40 analytes taken in
    turn from the whole catalogue (each analyte ~80 times in 250 reports), or, `dense`,
    the 20 analytes of the three labs' panels in every report (each ~400 times)."""
    from accounts.models import User
    from documents.models import Document
    from labs.models import LabValue
    from labs.records import rows

    User.objects.filter(email=email).delete()
    user = User.objects.create_user(email=email)
    start = datetime.date(2000, 1, 1)
    documents = Document.objects.bulk_create([
        Document(user=user, filename=f"report-{n}.pdf", mime_type="application/pdf",
                 sha256=f"{email}-{n}", status=Document.Status.COMPLETED,
                 document_date=start + datetime.timedelta(days=30 * n))
        for n in range(reports)])
    values = []
    source = items() if dense else catalogue_items()
    for n, document in enumerate(documents):
        if dense:
            half = source[:40] if n % 2 else source[20:]
        else:
            half = [source[(n * 40 + k) % len(source)] for k in range(40)]
        values.extend(rows(user, half, date=document.document_date, source="Lab",
                           document=document))
    LabValue.objects.bulk_create(values, batch_size=2000)
    return user, documents[0]


def timed(function, warmup: int, runs: int) -> list[float]:
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p99(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=250, help="reports of 40 values")
    parser.add_argument("--dense", action="store_true", help="the five analytes in every "
                        "report (a worst case) rather than a check-up's share")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from documents import analytes, context
    from documents.lab_values import normalise_document
    from labs.models import LabValue

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    user, document = seed("bench-labs@example.com", args.reports, args.dense)
    total = LabValue.objects.for_user(user).count()
    print(f"database: {engine}, cache: {cache}; {total:,} values over {args.reports} reports")

    document.metadata = {"provider": "Three labs", "lab_values": items()}
    document.save()
    first = time.perf_counter()
    normalise_document(document)
    cold = (time.perf_counter() - first) * 1000
    matched = LabValue.objects.filter(source_document=document, analyte__isnull=False).count()
    normalise = timed(lambda: normalise_document(document), args.warmup, args.runs)
    named = [series.code for series in analytes.series_named_in(user, QUESTION)]
    block = timed(lambda: context.lab_value_blocks(user, None, QUESTION), args.warmup, args.runs)
    codes = ["2089-1", "4548-4", "2160-0", "2276-4", "3016-3"]
    from documents.trends import lab_series
    series = timed(lambda: lab_series(user, codes=codes), args.warmup, args.runs)
    points = sum(len(one.points) for one in lab_series(user, codes=codes))

    rows = [("normalise 60 values", normalise, NORMALISE_LIMIT_MS),
            ("five analytes (turn block)", block, SERIES_LIMIT_MS),
            ("five analytes (series only)", series, SERIES_LIMIT_MS)]
    print(f"report of 60: {matched} matched to the catalogue; first call {cold:.0f} ms "
          f"(loads the catalogue and pint); message names {sorted(named)} ({points} values)")
    print(f"{'what':<30} {'median':>9} {'p99':>9} {'limit':>8} {'ratio':>6}")
    for name, samples, limit in rows:
        median = statistics.median(samples)
        print(f"{name:<30} {median:>6.1f} ms {p99(samples):>6.1f} ms {limit:>5.0f} ms "
              f"{median / limit:>5.2f}×")


if __name__ == "__main__":
    main()
