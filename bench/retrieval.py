"""Retrieval hit rate: natural questions in English and Russian, and whether the chat turn's
documents step finds the document that answers each (and the analyte table when the
question names an analyte). Not a test (documents/tests/test_retrieval.py runs the same
set with a floor); run it by hand, on SQLite or with DATABASE_URL on PostgreSQL:

    DATA_DIR=$(mktemp -d) .venv/bin/python bench/retrieval.py
    bench/fts.sh bench/retrieval.py        # a throwaway PostgreSQL, then SQLite

It compares `documents.search.relevant` (the terms of the message ORed, stemmed in both
languages, analytes with their names in the other language) with `documents.search.search`
given the whole message (every word must match), as the documents step did before.
"""

import datetime
import os
import sys
import tempfile

# (filename, date, text, lab values as (analyte, value, unit, reference range, flag))
CORPUS = [
    ("iron-2025.pdf", "2025-06-10",
     "Northside Laboratory. Iron studies. Ferritin 12 ng/mL (15-150) LOW. Serum iron "
     "9 umol/L (9-30). Transferrin saturation 14 %. Comment: low iron stores.",
     [("Ferritin", "12", "ng/mL", "15-150", "low")]),
    ("железо-2026.pdf", "2026-02-03",
     "Лаборатория Гемотест. Обмен железа. Ферритин 28 нг/мл (15-150). Железо сыворотки "
     "14 мкмоль/л (9-30).",
     [("Ферритин", "28", "нг/мл", "15-150", "")]),
    ("lipids-2025.pdf", "2025-03-14",
     "City Lab. Lipid panel. Total cholesterol 6.1 mmol/L (3.0-5.2) HIGH. LDL cholesterol "
     "4.0 mmol/L (< 3.0) HIGH. HDL 1.2 mmol/L. Triglycerides 1.9 mmol/L.",
     [("Total cholesterol", "6.1", "mmol/L", "3.0-5.2", "high"),
      ("LDL cholesterol", "4.0", "mmol/L", "< 3.0", "high")]),
    ("биохимия-2024.pdf", "2024-11-20",
     "Биохимический анализ крови. Глюкоза 6.3 ммоль/л (3.9-5.5) повышена. Креатинин "
     "88 мкмоль/л (62-106). Холестерин общий 5.6 ммоль/л.",
     [("Глюкоза", "6.3", "ммоль/л", "3.9-5.5", "high"),
      ("Креатинин", "88", "мкмоль/л", "62-106", "")]),
    ("thyroid-2025.pdf", "2025-09-02",
     "Endocrinology lab. TSH 5.8 mIU/L (0.4-4.0) HIGH. Free T4 11 pmol/L (12-22) LOW. "
     "Findings consistent with hypothyroidism.",
     [("TSH", "5.8", "mIU/L", "0.4-4.0", "high")]),
    ("щитовидная-узи.pdf", "2025-09-15",
     "УЗИ щитовидной железы. Объём правой доли 7 мл, левой 6 мл. Узлов не выявлено. "
     "Заключение: диффузные изменения щитовидной железы.", []),
    ("cbc-2025.pdf", "2025-01-08",
     "Complete blood count. Haemoglobin 118 g/L (120-150) LOW. Platelets 250 x10^9/L. "
     "White cells 6.1 x10^9/L.",
     [("Haemoglobin", "118", "g/L", "120-150", "low")]),
    ("оак-2026.pdf", "2026-01-15",
     "Общий анализ крови. Гемоглобин 131 г/л (120-150). Тромбоциты 240. Лейкоциты 5.8.",
     [("Гемоглобин", "131", "г/л", "120-150", "")]),
    ("cardiology-letter.pdf", "2025-10-01",
     "Cardiology consultation. The patient reports palpitations and dizziness. ECG: sinus "
     "rhythm. Echocardiography normal. Recommended: Holter monitoring.", []),
    ("кардиолог.pdf", "2025-12-05",
     "Консультация кардиолога. Жалобы на головокружение и слабость. Давление 145/90. "
     "Рекомендовано: контроль холестерина через три месяца, аторвастатин 20 мг.", []),
    ("prescription-2025.pdf", "2025-04-02",
     "Prescription. Metformin 500 mg twice daily with meals. Review in three months.", []),
    ("вакцинация.pdf", "2024-05-20",
     "Справка о вакцинации. Прививка от клещевого энцефалита, вторая доза.", []),
]

# (question, the file that answers it, the LOINC code of the analyte table expected or None)
QUESTIONS = [
    ("What was my ferritin last year?", "iron-2025.pdf", "2276-4"),
    ("Какой у меня был ферритин?", "железо-2026.pdf", "2276-4"),
    ("Is my iron low?", "iron-2025.pdf", None),
    ("Как у меня с железом?", "железо-2026.pdf", None),
    ("What was my cholesterol?", "lipids-2025.pdf", "2093-3"),
    ("Какой у меня холестерин?", "lipids-2025.pdf", "2093-3"),
    ("Is my LDL too high?", "lipids-2025.pdf", "2089-1"),
    ("Was my blood sugar high?", "биохимия-2024.pdf", None),
    ("Какая у меня была глюкоза?", "биохимия-2024.pdf", "2345-7"),
    ("What is my glucose level?", "биохимия-2024.pdf", "2345-7"),
    ("How are my kidneys, what was the creatinine?", "биохимия-2024.pdf", "2160-0"),
    ("Что с креатинином?", "биохимия-2024.pdf", "2160-0"),
    ("What did the thyroid test show?", "thyroid-2025.pdf", None),
    ("Какой у меня ТТГ?", "thyroid-2025.pdf", "3016-3"),
    ("Is my TSH normal?", "thyroid-2025.pdf", "3016-3"),
    ("Что показало УЗИ щитовидной железы?", "щитовидная-узи.pdf", None),
    ("Were there nodules on the thyroid ultrasound?", "щитовидная-узи.pdf", None),
    ("Was my haemoglobin low?", "cbc-2025.pdf", "718-7"),
    ("What was my hemoglobin in the blood count?", "cbc-2025.pdf", "718-7"),
    ("Какой был гемоглобин в анализе крови?", "оак-2026.pdf", "718-7"),
    ("Сколько у меня тромбоцитов?", "оак-2026.pdf", None),
    ("What did the cardiologist say about my palpitations?", "cardiology-letter.pdf", None),
    ("Что сказал кардиолог?", "кардиолог.pdf", None),
    ("Why do I feel dizzy, what did the doctors write?", "cardiology-letter.pdf", None),
    ("Что мне рекомендовали от головокружения?", "кардиолог.pdf", None),
    ("How much metformin do I take?", "prescription-2025.pdf", None),
    ("Какую дозу метформина мне назначили?", "prescription-2025.pdf", None),
    ("When was my tick-borne encephalitis vaccine?", "вакцинация.pdf", None),
    ("Когда я делал прививку от энцефалита?", "вакцинация.pdf", None),
    ("Was the echocardiography normal?", "cardiology-letter.pdf", None),
]


def seed(user):
    from documents import search
    from documents.lab_values import normalise_document
    from documents.models import Document

    documents = {}
    for filename, day, text, values in CORPUS:
        document = Document.objects.create(
            user=user, filename=filename, mime_type="application/pdf", sha256=filename,
            extracted_text=text, status=Document.Status.COMPLETED,
            document_date=datetime.date.fromisoformat(day),
            metadata={"lab_values": [
                {"analyte": a, "value": v, "unit": u, "reference_range": r, "flag": f}
                for a, v, u, r, f in values]},
        )
        search.index_document(document)
        normalise_document(document)
        documents[filename] = str(document.pk)
    return documents


def evaluate(user, documents) -> dict:
    """Hit rates of the turn's documents step (and of the whole-message search before)."""
    from documents import analytes, search

    rows = []
    for question, filename, analyte in QUESTIONS:
        found = [hit.document_id for hit in search.relevant(user, question, limit=5)]
        before = [hit.document_id for hit in search.search(user, question, limit=5)]
        tables = {series.key for series in analytes.series_named_in(user, question)}
        rows.append({
            "question": question, "hit": documents[filename] in found,
            "before": documents[filename] in before, "excerpts": len(found),
            "table": analyte is None or analyte in tables, "expects_table": analyte is not None,
        })
    return {
        "rows": rows,
        "hit_rate": sum(row["hit"] for row in rows) / len(rows),
        "before_rate": sum(row["before"] for row in rows) / len(rows),
        "table_rate": (sum(row["table"] for row in rows if row["expects_table"])
                       / sum(1 for row in rows if row["expects_table"])),
        "excerpts": sum(row["excerpts"] for row in rows) / len(rows),
    }


def main():
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="anamnesis-bench-"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User

    call_command("migrate", verbosity=0)
    User.objects.filter(email="retrieval@example.com").delete()
    user = User.objects.create_user(email="retrieval@example.com")
    result = evaluate(user, seed(user))
    english = [row for row in result["rows"] if row["question"].isascii()]
    russian = [row for row in result["rows"] if not row["question"].isascii()]
    print(f"### Retrieval hit rate ({connection.vendor}): {len(result['rows'])} natural "
          f"questions ({len(english)} English, {len(russian)} Russian), {len(CORPUS)} "
          f"documents\n")
    print("| | English | Russian | all |\n|---|---|---|---|")
    for key, label in (("hit", "documents step now (`relevant`)"),
                       ("before", "whole message, every word must match (before)")):
        rates = [sum(row[key] for row in rows) / len(rows)
                 for rows in (english, russian, result["rows"])]
        print(f"| {label} | " + " | ".join(f"{rate:.0%}" for rate in rates) + " |")
    print(f"\nAnalyte named → its values table given: {result['table_rate']:.0%}; excerpts "
          f"per question: {result['excerpts']:.1f} on average (at most 5).\n")
    misses = [row["question"] for row in result["rows"] if not row["hit"] or not row["table"]]
    if misses:
        print("Missed: " + "; ".join(misses))
    User.objects.filter(pk=user.pk).delete()


if __name__ == "__main__":
    main()
