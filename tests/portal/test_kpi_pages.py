"""The monthly KPI form and the change history of each value."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from reports.models import KpiMeasurement
from tests import factories
from tests.factories import indicator

pytestmark = pytest.mark.django_db


def entry(enterprise, month="2024-03"):
    return reverse("reports:kpi-entry", args=[enterprise.pk, month])


def blank_form(**values):
    """Every indicator's line blank (source records), then the given values."""
    data = {}
    for code in [
        "productivity",
        "defect_rate",
        "waste",
        "accidents",
        "absenteeism",
        "staff_turnover",
        "worker_suggestions",
        "energy_intensity",
    ]:
        data.update({f"{code}-value": "", f"{code}-source": "records", f"{code}-note": ""})
    data.update(values)
    return data


def test_the_form_shows_every_indicator_with_its_baseline_and_last_month(client, world):
    enterprise = world.sgs_enterprise
    factories.KpiMeasurementFactory(
        enterprise=enterprise, period=date(2024, 1, 1), value="12.5", is_baseline=True
    )
    factories.KpiMeasurementFactory(enterprise=enterprise, period=date(2024, 2, 1), value="9")
    client.force_login(world.users.sgs_staff)
    response = client.get(entry(enterprise))
    lines = {line["row"].indicator.code: line for line in response.context["lines"]}
    assert len(lines) == 8
    assert lines["defect_rate"]["row"].baseline.value == Decimal("12.5")
    assert lines["defect_rate"]["last"].value == Decimal("9")
    assert lines["defect_rate"]["form"].initial == {"is_baseline": False}
    assert lines["waste"]["form"].initial == {"is_baseline": True}  # its first value
    html = response.content.decode()
    assert "% of units produced" in html and "At most 100." in html


def test_a_month_of_kpis_is_saved_in_one_go(client, world):
    enterprise = world.sgs_enterprise
    client.force_login(world.users.sgs_staff)
    response = client.post(
        entry(enterprise),
        blank_form(
            **{
                "defect_rate-value": "12.5",
                "defect_rate-is_baseline": "on",
                "productivity-value": "4.25",
                "productivity-source": "estimate",
                "productivity-is_baseline": "on",
                "productivity-note": "from the line log",
            }
        ),
    )
    assert response.status_code == 302
    stored = {m.indicator.code: m for m in KpiMeasurement.objects.filter(enterprise=enterprise)}
    assert set(stored) == {"defect_rate", "productivity"}
    assert stored["productivity"].source == "estimate"
    assert stored["productivity"].note == "from the line log"
    assert all(m.period == date(2024, 3, 1) and m.is_baseline for m in stored.values())
    assert all(m.reported_by == world.users.sgs_staff for m in stored.values())


def test_one_bad_value_saves_nothing_and_the_rule_is_shown_beside_it(client, world):
    enterprise = world.sgs_enterprise
    factories.KpiMeasurementFactory(
        enterprise=enterprise, period=date(2024, 5, 1), is_baseline=True
    )
    client.force_login(world.users.sgs_staff)
    response = client.post(
        entry(enterprise),
        blank_form(
            **{
                "defect_rate-value": "8",
                "waste-value": "101",
                "accidents-value": "-2",
            }
        ),
    )
    assert response.status_code == 200
    forms = {line["row"].indicator.code: line["form"] for line in response.context["lines"]}
    assert "at most 100" in forms["waste"].errors["value"][0]
    assert "baseline is 2024-05" in forms["defect_rate"].errors["value"][0]
    assert "negative" in forms["accidents"].errors["value"][0]
    assert KpiMeasurement.objects.count() == 1
    assert b"Nothing was saved" in response.content


def test_a_value_that_is_not_a_number_is_a_field_error(client, world):
    client.force_login(world.users.sgs_staff)
    response = client.post(
        entry(world.sgs_enterprise),
        blank_form(**{"productivity-value": "abc", "waste-value": "3"}),
    )
    forms = {line["row"].indicator.code: line["form"] for line in response.context["lines"]}
    assert "number" in forms["productivity"].errors["value"][0]
    assert not KpiMeasurement.objects.exists()


def test_a_future_month_is_refused_in_words(client, world):
    client.force_login(world.users.sgs_staff)
    response = client.post(
        entry(world.sgs_enterprise, "2099-01"), blank_form(**{"defect_rate-value": "3"})
    )
    forms = {line["row"].indicator.code: line["form"] for line in response.context["lines"]}
    assert "future" in forms["defect_rate"].errors["value"][0]
    assert not KpiMeasurement.objects.exists()


def test_a_correction_and_a_cleared_value_keep_their_history(client, world):
    enterprise = world.sgs_enterprise
    waste = factories.KpiMeasurementFactory(
        enterprise=enterprise, indicator=indicator("waste"), period=date(2024, 3, 1), value=5
    )
    defects = factories.KpiMeasurementFactory(
        enterprise=enterprise, period=date(2024, 3, 1), value=9
    )
    client.force_login(world.users.sgs_staff)
    client.post(entry(enterprise), blank_form(**{"defect_rate-value": "8.5"}))
    defects.refresh_from_db()
    assert defects.value == Decimal("8.5")
    assert not KpiMeasurement.objects.filter(pk=waste.pk).exists()
    history = client.get(reverse("reports:kpi-history", args=[enterprise.pk, "defect_rate"]))
    records = history.context["records"]
    assert [record.history_type for record in records] == ["~", "+"]
    assert records[0].previous_value == Decimal("9")
    assert records[0].history_user == world.users.sgs_staff
    removed = client.get(reverse("reports:kpi-history", args=[enterprise.pk, "waste"]))
    assert [record.history_type for record in removed.context["records"]] == ["-", "+"]


def test_the_month_picker_goes_to_the_chosen_month(client, world):
    client.force_login(world.users.sgs_staff)
    response = client.get(entry(world.sgs_enterprise), {"month": "2023-11"})
    assert response.url == entry(world.sgs_enterprise, "2023-11")
    assert (
        client.get(
            reverse("reports:kpi-entry", args=[world.sgs_enterprise.pk, "2024-13"])
        ).status_code
        == 404
    )


def test_kpi_pages_are_404_outside_the_scope_and_403_for_brands(client, world):
    urls = [
        entry(world.sgs_enterprise),
        reverse("reports:kpi-history", args=[world.sgs_enterprise.pk, "defect_rate"]),
    ]
    client.force_login(world.users.tuv_manager)
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(urls[0], blank_form(**{"defect_rate-value": "1"})).status_code == 404
    client.force_login(world.users.inditex_viewer)
    for url in urls:
        assert client.get(url).status_code == 403
    client.force_login(world.users.sgs_staff)
    assert (
        client.get(
            reverse("reports:kpi-history", args=[world.sgs_enterprise.pk, "nope"])
        ).status_code
        == 404
    )
    assert not KpiMeasurement.objects.exists()
