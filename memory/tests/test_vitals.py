"""Vitals: quick add with validated ranges, canonical storage, display in the user's units."""

import pytest
from django.urls import reverse

from memory.models import HealthPreference, Vital


@pytest.mark.django_db
def test_blood_pressure_is_saved_and_listed(signed_in_client, user):
    response = signed_in_client.post(reverse("memory:vitals"), {
        "kind": "blood_pressure", "value": "128", "value2": "82",
        "measured_at": "2026-11-20T08:15", "note": "morning"})
    assert response.status_code == 302
    vital = Vital.objects.get(user=user)
    assert (vital.value, vital.value2, vital.unit) == (128, 82, "mmHg")
    page = signed_in_client.get(reverse("memory:vitals")).content.decode()
    assert "128/82" in page and "morning" in page


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "blood_pressure", "value": "300", "value2": "80"},
     "Systolic pressure must be between 50 and 260 mmHg."),
    ({"kind": "blood_pressure", "value": "120"}, "Give both numbers"),
    ({"kind": "blood_pressure", "value": "80", "value2": "120"}, "must be below the systolic"),
    ({"kind": "heart_rate", "value": "400"}, "Heart rate must be between 20 and 250 bpm."),
    ({"kind": "spo2", "value": "101"}, "must be between 50 and 100 %"),
    ({"kind": "weight", "value": "abc"}, "Enter a number."),
])
def test_out_of_range_values_are_a_clear_400(signed_in_client, data, message):
    data = {"measured_at": "2026-11-20T08:15", **data}
    response = signed_in_client.post(reverse("memory:vitals"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Vital.objects.exists()


@pytest.mark.django_db
def test_units_follow_the_users_preference(signed_in_client, user):
    signed_in_client.post(reverse("memory:vital_units"), {
        "weight_unit": "lb", "glucose_unit": "mg/dL", "temperature_unit": "°F"})
    preference = HealthPreference.for_user(user)
    assert (preference.weight_unit, preference.glucose_unit) == ("lb", "mg/dL")
    for kind, value in [("weight", "176.4"), ("blood_glucose", "99"), ("temperature", "98.6")]:
        response = signed_in_client.post(reverse("memory:vitals"), {
            "kind": kind, "value": value, "measured_at": "2026-11-20T08:15"})
        assert response.status_code == 302, response.content.decode()[:2000]
    stored = {v.kind: (round(v.value, 1), v.unit) for v in Vital.objects.filter(user=user)}
    assert stored == {"weight": (80.0, "kg"), "blood_glucose": (5.5, "mmol/L"),
                      "temperature": (37.0, "°C")}
    page = signed_in_client.get(reverse("memory:vitals")).content.decode()
    assert "176.4" in page and "99" in page and "98.6" in page and "°F" in page
    # A pound range error names pounds.
    response = signed_in_client.post(reverse("memory:vitals"), {
        "kind": "weight", "value": "1000", "measured_at": "2026-11-20T08:15"})
    assert response.status_code == 400 and "lb." in response.content.decode()


@pytest.mark.django_db
def test_russian_user_sees_russian_errors(client, make_user):
    ivan = make_user("ivan@example.com", language="ru")
    client.force_login(ivan)
    response = client.post(reverse("memory:vitals"), {
        "kind": "heart_rate", "value": "10", "measured_at": "2026-11-20T08:15"})
    assert "Значение «Пульс» должно быть от 20 до 250 bpm." in response.content.decode()


@pytest.mark.django_db
def test_another_users_reading_cannot_be_deleted(client, user, other_user):
    vital = Vital.objects.create(user=user, kind="heart_rate", value=70, unit="bpm",
                                 measured_at="2026-11-20T08:00Z")
    client.force_login(other_user)
    assert client.post(reverse("memory:vital_delete", args=[vital.pk])).status_code == 404
    assert Vital.objects.filter(pk=vital.pk).exists()


@pytest.mark.django_db
def test_latest_reading_of_each_kind_in_one_query(user, other_user, django_assert_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    from memory.vitals import latest

    now = timezone.now()
    for days, kind, value in [(3, "weight", 80.0), (1, "weight", 79.5), (2, "heart_rate", 64),
                              (5, "blood_pressure", 130), (0, "blood_pressure", 121)]:
        Vital.objects.create(user=user, kind=kind, value=value, unit="?",
                             value2=80 if kind == "blood_pressure" else None,
                             measured_at=now - timedelta(days=days))
    Vital.objects.create(user=other_user, kind="spo2", value=97, unit="%", measured_at=now)
    preference = HealthPreference.for_user(user)
    with django_assert_num_queries(1):
        readings = latest(user, preference)
    assert [(item.vital.kind, item.vital.value) for item in readings] == [
        ("blood_pressure", 121), ("heart_rate", 64), ("weight", 79.5)]


@pytest.mark.django_db
def test_a_reading_is_corrected_in_the_users_own_unit(signed_in_client, user, other_user):
    HealthPreference.objects.update_or_create(user=user, defaults={"weight_unit": "lb"})
    vital = Vital.objects.create(user=user, kind="weight", value=80, unit="kg",
                                 measured_at="2026-11-20T08:00Z")
    url = reverse("memory:vital_edit", args=[vital.pk])
    assert url in signed_in_client.get(reverse("memory:vitals")).content.decode()
    form = signed_in_client.get(url).content.decode()
    assert 'value="176.4"' in form  # 80 kg shown in pounds, as the user typed it
    response = signed_in_client.post(url, {"kind": "weight", "value": "170",
                                           "measured_at": "2026-11-20T09:30", "note": "typo"})
    assert response.status_code == 302
    vital.refresh_from_db()
    assert (round(vital.value, 2), vital.unit, vital.note) == (77.11, "kg", "typo")
    assert vital.measured_at.hour == 9 and Vital.objects.filter(user=user).count() == 1
    # A bad value is a clear 400 and changes nothing.
    response = signed_in_client.post(url, {"kind": "weight", "value": "5000",
                                           "measured_at": "2026-11-20T09:30"})
    assert response.status_code == 400 and "lb." in response.content.decode()
    vital.refresh_from_db()
    assert round(vital.value, 2) == 77.11
    # Another user's reading is not found, to see or to change.
    signed_in_client.force_login(other_user)
    assert signed_in_client.get(url).status_code == 404
    assert signed_in_client.post(url, {"kind": "weight", "value": "1",
                                       "measured_at": "2026-11-20T09:30"}).status_code == 404
