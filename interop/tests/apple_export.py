"""Apple Health exports written for the tests and the benchmark, shaped like the Health
app's: the DOCTYPE with its internal DTD, ExportDate and Me, records with metadata,
blood pressure both as correlations and as standalone readings, workouts, activity
summaries, and clinical records (FHIR JSON files listed by ClinicalRecord elements)."""

import json
import random
import zipfile
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import quoteattr

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 13 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-02-01 09:00:00 -0500"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1980-01-01" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet"/>
"""
FOOTER = "</HealthData>\n"
ZONE = timezone(timedelta(hours=-5))


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


def record(kind, value, unit, moment, source="Ada's iPhone", children="", end=None) -> str:
    start = stamp(moment)
    unit_attr = f' unit={quoteattr(unit)}' if unit else ""
    return (f' <Record type="HKQuantityTypeIdentifier{kind}" sourceName={quoteattr(source)} '
            f'sourceVersion="17.2"{unit_attr} creationDate="{start}" startDate="{start}" '
            f'endDate="{stamp(end or moment)}" value={quoteattr(str(value))}>'
            f"{children}</Record>\n")


def blood_pressure(systolic, diastolic, moment, source="Omron Connect", standalone=True,
                   correlation=True) -> str:
    parts = (record("BloodPressureDiastolic", diastolic, "mmHg", moment, source)
             + record("BloodPressureSystolic", systolic, "mmHg", moment, source))
    text = parts if standalone else ""
    if correlation:
        start = stamp(moment)
        text += (f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" '
                 f'sourceName={quoteattr(source)} sourceVersion="1" creationDate="{start}" '
                 f'startDate="{start}" endDate="{start}">\n'
                 f'  <MetadataEntry key="HKWasUserEntered" value="0"/>\n'
                 f'{parts} </Correlation>\n')
    return text


CLINICAL = {
    "Observation-LAB1.json": ("4.0.1", {
        "resourceType": "Observation", "id": "lab-1", "status": "final",
        "category": [{"coding": [{"system":
                     "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "2093-3",
                             "display": "Cholesterol [Mass/volume] in Serum or Plasma"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2023-11-02T08:10:00-05:00",
        "valueQuantity": {"value": 187, "unit": "mg/dL", "system": "http://unitsofmeasure.org",
                          "code": "mg/dL"},
        "referenceRange": [{"high": {"value": 200, "unit": "mg/dL"}}]}),
    "MedicationStatement-MED1.json": ("4.0.1", {
        "resourceType": "MedicationStatement", "id": "med-1", "status": "active",
        "medicationCodeableConcept": {"coding": [{
            "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "860975",
            "display": "Metformin hydrochloride 500 MG Oral Tablet"}]},
        "subject": {"reference": "Patient/p1"}, "effectivePeriod": {"start": "2019-03-15"},
        "dosage": [{"text": "500 mg twice a day",
                    "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}}]}),
    "Condition-COND1.json": ("4.0.1", {
        "resourceType": "Condition", "id": "cond-1",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006",
                             "display": "Diabetes mellitus type 2"}]},
        "subject": {"reference": "Patient/p1"}, "onsetDateTime": "2019-03-01"}),
    "AllergyIntolerance-ALG1.json": ("4.0.1", {
        "resourceType": "AllergyIntolerance", "id": "alg-1",
        "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                             "code": "7980", "display": "Penicillin G"}]},
        "patient": {"reference": "Patient/p1"},
        "reaction": [{"manifestation": [{"text": "Hives"}], "severity": "moderate"}]}),
    "Immunization-IMM1.json": ("4.0.1", {
        "resourceType": "Immunization", "id": "imm-1", "status": "completed",
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "140"}],
                        "text": "Influenza, seasonal"},
        "patient": {"reference": "Patient/p1"}, "occurrenceDateTime": "2023-10-12"}),
    # An older portal that exports DSTU2: a condition (mapped) and a procedure (skipped).
    "Condition-OLD1.json": ("1.0.2", {
        "resourceType": "Condition", "id": "old-cond-1",
        "patient": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "195967001",
                             "display": "Asthma"}], "text": "Asthma"},
        "clinicalStatus": "active", "verificationStatus": "confirmed",
        "onsetDateTime": "2001-05-01", "dateRecorded": "2010-02-03"}),
    "Procedure-OLD2.json": ("1.0.2", {
        "resourceType": "Procedure", "id": "old-proc-1", "status": "completed",
        "subject": {"reference": "Patient/p1"}, "code": {"text": "Appendectomy"}}),
}


def small_export_xml() -> str:
    """The small export of the tests; its expected resources are in test_apple_health."""
    t = datetime(2024, 1, 5, 8, 30, tzinfo=ZONE)
    hrv = ('<MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="1"/>'
           '<HeartRateVariabilityMetadataList><InstantaneousBeatsPerMinute bpm="71" '
           'time="8:30:01.00 AM"/></HeartRateVariabilityMetadataList>')
    body = "".join([
        record("BodyMass", "180", "lb", t, "Withings"),
        record("BodyMass", "80.5", "kg", t + timedelta(days=1), "Withings"),
        record("Height", "175", "cm", t),
        record("HeartRate", "72", "count/min", t, "Ada's Apple Watch", children=hrv),
        record("RestingHeartRate", "58", "count/min", t),
        record("BloodGlucose", "105", "mg/dL", t, "Contour"),
        record("BloodGlucose", "5.8", "mmol<180.1558800000541>/L", t + timedelta(hours=4),
               "Contour"),
        record("OxygenSaturation", "0.97", "%", t),
        record("BodyTemperature", "98.6", "degF", t),
        record("StepCount", "1200", "count", t),
        record("StepCount", "800", "count", t + timedelta(hours=1)),
        record("StepCount", "450", "count", t + timedelta(hours=2)),
        ' <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Ada\'s Apple Watch" '
        'startDate="2024-01-05 00:10:00 -0500" endDate="2024-01-05 06:40:00 -0500" '
        'value="HKCategoryValueSleepAnalysisAsleepCore"/>\n',
        # standalone readings first (as Apple writes them), their correlations after
        record("BloodPressureDiastolic", "80", "mmHg", t, "Omron Connect"),
        record("BloodPressureSystolic", "120", "mmHg", t, "Omron Connect"),
        record("BloodPressureDiastolic", "85", "mmHg", t + timedelta(days=1), "Omron Connect"),
        record("BloodPressureSystolic", "130", "mmHg", t + timedelta(days=1), "Omron Connect"),
        # a pair that no correlation holds (an app that wrote only the readings)
        record("BloodPressureDiastolic", "90", "mmHg", t + timedelta(days=2), "Other app"),
        record("BloodPressureSystolic", "140", "mmHg", t + timedelta(days=2), "Other app"),
        blood_pressure(120, 80, t, standalone=False),
        blood_pressure(130, 85, t + timedelta(days=1), standalone=False),
        ' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" duration="30" '
        'durationUnit="min" sourceName="Ada\'s Apple Watch" startDate="2024-01-05 18:00:00 -0500" '
        'endDate="2024-01-05 18:30:00 -0500"><WorkoutStatistics type="HKQuantityTypeIdentifier'
        'StepCount" startDate="2024-01-05 18:00:00 -0500" endDate="2024-01-05 18:30:00 -0500" '
        'sum="3000" unit="count"/></Workout>\n',
        ' <ActivitySummary dateComponents="2024-01-05" activeEnergyBurned="320" '
        'activeEnergyBurnedGoal="400" activeEnergyBurnedUnit="Cal"/>\n',
    ])
    return HEADER + body + clinical_records(CLINICAL) + FOOTER


def clinical_records(clinical) -> str:
    """The ClinicalRecord elements that list the clinical records' files and versions."""
    return "".join(
        f' <ClinicalRecord type="HKClinicalTypeIdentifierLabResultRecord" identifier="{name}" '
        f'sourceName="Good Health Clinic" sourceURL="https://fhir.example.org" '
        f'fhirVersion="{version}" receivedDate="2024-01-20 10:00:00 -0500" '
        f'resourceFilePath="/clinical-records/{name}"/>\n'
        for name, (version, _resource) in clinical.items())


def write_zip(path, xml_text: str, clinical=CLINICAL):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", xml_text)
        archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        for name, (_version, resource) in clinical.items():
            archive.writestr(f"apple_health_export/clinical-records/{name}", json.dumps(resource))


# The mix of a large export, per 100 records: mostly heart rate and steps, as on a phone
# with a watch; a blood pressure reading writes 2 standalone records and 1 correlation.
MIX = (["HeartRate"] * 55 + ["StepCount"] * 25 + ["ActiveEnergyBurned"] * 10
       + ["OxygenSaturation"] * 3 + ["BodyMass"] * 2 + ["RestingHeartRate"] * 2
       + ["BloodPressure"] * 2 + ["BloodGlucose"])
UNITS = {"HeartRate": ("count/min", 55, 120), "StepCount": ("count", 10, 2000),
         "ActiveEnergyBurned": ("Cal", 1, 50), "OxygenSaturation": ("%", 0.92, 1.0),
         "BodyMass": ("lb", 150, 190), "RestingHeartRate": ("count/min", 50, 70),
         "BloodGlucose": ("mg/dL", 80, 140)}


def write_large_export(stream, records: int, seed: int = 1) -> int:
    """Writes an export of at least `records` top-level records to a binary stream, a
    thousand records at a time (the file never sits in memory). Returns the records
    written."""
    rng = random.Random(seed)
    stream.write(HEADER.encode())
    start = datetime(2019, 1, 1, tzinfo=ZONE)
    seconds = 0
    days: dict[int, str] = {}
    written = 0
    chunk, correlations = [], []
    while written < records:
        kind = rng.choice(MIX)
        seconds += rng.randint(20, 400)
        day, rest = divmod(seconds, 86400)
        if day not in days:
            days[day] = (start + timedelta(days=day)).strftime("%Y-%m-%d")
        when = f"{days[day]} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d} -0500"
        if kind == "BloodPressure":
            parts = "".join(
                f' <Record type="HKQuantityTypeIdentifierBloodPressure{part}" '
                f'sourceName="Omron Connect" sourceVersion="1" unit="mmHg" creationDate="{when}" '
                f'startDate="{when}" endDate="{when}" value="{rng.randint(low, high)}"/>\n'
                for part, low, high in (("Diastolic", 65, 95), ("Systolic", 105, 150)))
            chunk.append(parts)
            correlations.append(  # after all the records, as the Health app writes them
                ' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" '
                f'sourceName="Omron Connect" sourceVersion="1" creationDate="{when}" '
                f'startDate="{when}" endDate="{when}">\n{parts} </Correlation>\n')
            written += 3
        else:
            unit, low, high = UNITS[kind]
            value = round(rng.uniform(low, high), 2 if high <= 1 else 1)
            chunk.append(f' <Record type="HKQuantityTypeIdentifier{kind}" '
                         f'sourceName="Ada&#8217;s Apple Watch" sourceVersion="10.2" '
                         f'device="&lt;&lt;HKDevice: 0x2827&gt;, name:Apple Watch&gt;" '
                         f'unit="{unit}" creationDate="{when}" startDate="{when}" '
                         f'endDate="{when}" value="{value}">\n  <MetadataEntry '
                         f'key="HKMetadataKeySyncVersion" value="2"/>\n </Record>\n')
            written += 1
        if len(chunk) >= 1000:
            stream.write("".join(chunk).encode())
            chunk.clear()
    stream.write("".join(chunk).encode())
    for at in range(0, len(correlations), 1000):
        stream.write("".join(correlations[at:at + 1000]).encode())
    stream.write(FOOTER.encode())
    return written
