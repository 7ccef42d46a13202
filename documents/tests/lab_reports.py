"""Three lab reports of one person, as three labs print them: a US lab in mg/dL, a Russian
lab in ммоль/л and мкмоль/л (a range "до 5,2"), a UK hospital in mmol/L with HbA1c in
mmol/mol and "LDL-C", "Leukocytes", "Creat"; qualified results ("<0.5", "отрицательно").
Each is a real PDF processed by the pipeline, with the facts the fake model returns."""

from documents import tasks
from documents.models import Document
from tests.fakes.anthropic_server import Reply

from .conftest import text_pdf
from .test_pipeline import make_document


def row(analyte, value, unit, reference_range, flag=None, page=1):
    return {"analyte": analyte, "value": value, "unit": unit,
            "reference_range": reference_range, "flag": flag, "page": page}


US = ("us-quest-2025.pdf", "2025-03-10", "Quest Diagnostics", [
    row("Glu", 99, "mg/dL", "65-99"),
    row("Chol", 215, "mg/dL", "<200"),
    row("LDL-C", 130, "mg/dL", "<100", "high"),
    row("HDL", 52, "mg/dL", "> 39"),
    row("Creatinine", 1.1, "mg/dL", "0.74-1.35"),
    row("WBC", 6.8, "x10^3/uL", "3.4-10.8"),
    row("Hemoglobin", 14.1, "g/dL", "13.0-17.7"),
    row("Hemoglobin A1c", 5.9, "%", "4.8-5.6", page=2),
    row("CRP", 0.8, "mg/L", "0.0-4.9", page=2),
    row("Vitamin D, 25-Hydroxy", 30, "ng/mL", "30-100", page=2),
])
RU = ("инвитро-2025.pdf", "2025-09-15", "ИНВИТРО", [
    row("Глюкоза", "5,6", "ммоль/л", "3,9-6,1"),
    row("Холестерин общий", "5,8", "ммоль/л", "до 5,2"),
    row("Холестерин ЛПНП", "3,4", "ммоль/л", "менее 3,0"),
    row("Креатинин", "92", "мкмоль/л", "62-106"),
    row("Лейкоциты", "7,2", "10*9/л", "4,0-9,0"),
    row("Гемоглобин", "145", "г/л", "130-160"),
    row("Гликированный гемоглобин (HbA1c)", "6,0", "%", "4,0-6,0"),
    row("С-реактивный белок", "1,2", "мг/л", "0-5"),
    row("Витамин D (25-OH)", "80", "нмоль/л", "75-250"),
    row("Нитриты", "отрицательно", "", "отрицательно"),
])
UK = ("nhs-royal-free-2026.pdf", "2026-02-20", "Royal Free Hospital", [
    row("Glucose", 5.2, "mmol/L", "3.0-6.0"),
    row("Total cholesterol", 5.1, "mmol/L", "<5.0"),
    row("LDL-C", 2.9, "mmol/L", "<3.0"),
    row("Creat", 85, "umol/L", "59-104"),
    row("Leukocytes", 6.1, "x10^9/L", "4.0-11.0"),
    row("Haemoglobin", 150, "g/L", "130-170"),
    row("HbA1c", 44, "mmol/mol", "<42"),
    row("CRP", "<0.5", "mg/L", "<5"),
])
REPORTS = [US, RU, UK]


def facts(provider, day, values) -> dict:
    return {"doc_type": "lab_result", "document_date": day, "provider": provider,
            "summary": f"Lab results from {provider}.", "findings": [], "lab_values": values}


def process(user, fake_anthropic, report) -> Document:
    filename, day, provider, values = report
    lines = [provider, day] + [f"{item['analyte']} {item['value']} {item['unit']} "
                               f"({item['reference_range']})" for item in values]
    fake_anthropic.queue(Reply.tool("record_document", facts(provider, day, values)))
    document = make_document(user, text_pdf(lines), "application/pdf", name=filename)
    tasks.process_document(document.pk)
    document.refresh_from_db()
    assert document.facts_status == Document.FactsStatus.DONE
    return document


def process_all(user, fake_anthropic) -> list[Document]:
    return [process(user, fake_anthropic, report) for report in REPORTS]
