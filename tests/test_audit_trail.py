"""The audit trail: every write path leaves one history record per changed row, with who
and when, for enterprises, KPI measurements, enrolments, licences, certifications and
supplier links; the enterprise page and the admin show it."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from enterprises.models import Enterprise
from modules.models import Enrolment
from partners.models import Licence, SupplierLink
from portal.models import ImportJob
from reports.models import KpiMeasurement
from tests import factories
from tests.api_support import client_for
from tests.portal.conftest import csv_bytes, upload_file
from trainers.models import Certification

pytestmark = pytest.mark.django_db

AUDITED = [Enterprise, KpiMeasurement, Enrolment, Licence, Certification, SupplierLink]


def records(model, **filters):
    return list(model.history.filter(**filters).order_by("history_date", "history_id"))


def test_the_six_audited_models_keep_history():
    assert all(hasattr(model, "history") for model in AUDITED)


# --- enterprises ---------------------------------------------------------------------------


def test_enterprise_page_register_and_edit_are_audited(world, client):
    client.force_login(world.users.sgs_manager)
    client.post(
        reverse("enterprises:enterprise-create"),
        {
            "name": "Audit Garments",
            "country": "CN",
            "city": "Dongguan",
            "sector": "garments",
            "employees_total": 100,
            "employees_female": 50,
            "status": "active",
        },
    )
    enterprise = Enterprise.objects.get(name="Audit Garments")
    data = {
        "name": "Audit Garments",
        "country": "CN",
        "city": "Foshan",
        "sector": "garments",
        "employees_total": 100,
        "employees_female": 50,
        "status": "active",
    }
    client.post(reverse("enterprises:enterprise-update", args=[enterprise.pk]), data)
    history = records(Enterprise, id=enterprise.pk)
    assert [(r.history_type, r.city, r.history_user) for r in history] == [
        ("+", "Dongguan", world.users.sgs_manager),
        ("~", "Foshan", world.users.sgs_manager),
    ]


def test_enterprise_api_create_and_patch_are_audited(world):
    api = client_for(world.users.sgs_manager)
    created = api.post(
        "/api/v1/enterprises/",
        {
            "name": "API Garments",
            "country": "CN",
            "sector": "garments",
            "employees_total": 80,
            "partner": world.sgs.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (
        api.patch(f"/api/v1/enterprises/{pk}/", {"city": "Wuhan"}, format="json").status_code == 200
    )
    history = records(Enterprise, id=pk)
    assert [(r.history_type, r.history_user) for r in history] == [
        ("+", world.users.sgs_manager),
        ("~", world.users.sgs_manager),
    ]


def _import(client, callbacks, kind, rows):
    with callbacks(execute=True):
        client.post(
            reverse("portal:import-create"),
            {"kind": kind, "file": upload_file("data.csv", csv_bytes(rows))},
        )
    job = ImportJob.objects.latest("pk")
    assert job.status == "ready", (job.status, job.preview)
    with callbacks(execute=True):
        client.post(reverse("portal:import-commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done"
    return job


ENTERPRISE_HEADER = ["id", "name", "country", "city", "sector", "employees_total"]


def test_enterprise_import_leaves_one_record_per_changed_row(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_manager)
    existing = world.sgs_enterprise
    before = existing.history.count()
    _import(
        client,
        django_capture_on_commit_callbacks,
        "enterprises",
        [
            ENTERPRISE_HEADER,
            ["", "Imported One", "CN", "Xiamen", "garments", 60],
            ["", "Imported Two", "CN", "Xiamen", "garments", 70],
            [existing.pk, existing.name, "CN", "Changed City", "garments", 200],
        ],
    )
    assert existing.history.count() == before + 1
    assert existing.history.first().history_user == world.users.sgs_manager
    for name in ("Imported One", "Imported Two"):
        assert [r.history_type for r in records(Enterprise, name=name)] == ["+"]

    # The same file again changes nothing and records nothing.
    total = Enterprise.history.count()
    _import(
        client,
        django_capture_on_commit_callbacks,
        "enterprises",
        [
            ENTERPRISE_HEADER,
            *[
                [e.pk, e.name, "CN", e.city, "garments", e.employees_total]
                for e in Enterprise.objects.filter(partner=world.sgs)
            ],
        ],
    )
    assert Enterprise.history.count() == total


def test_enterprise_admin_change_is_audited(world, client):
    client.force_login(world.users.ilo_officer)
    enterprise = world.sgs_enterprise
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    page = client.get(url)
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update({"city": "Admin City", "country": "CN", "partner": world.sgs.pk})
    data.update(
        {
            key: value
            for key, value in _management_forms(page).items()
            if key.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"))
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    last = enterprise.history.first()
    assert (last.history_type, last.city, last.history_user) == (
        "~",
        "Admin City",
        world.users.ilo_officer,
    )
    history_page = client.get(reverse("admin:enterprises_enterprise_history", args=[enterprise.pk]))
    assert history_page.status_code == 200
    assert "ilo.officer" in history_page.content.decode()


def _management_forms(page):
    values = {}
    for formset in page.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name, field in management.fields.items():
            values[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
    return values


# --- KPI measurements ----------------------------------------------------------------------


def test_kpi_api_single_writes_are_audited(world):
    api = client_for(world.users.sgs_staff)
    created = api.post(
        "/api/v1/kpi-measurements/",
        {
            "enterprise": world.sgs_enterprise.pk,
            "indicator": "defect_rate",
            "period": "2024-03",
            "value": "4.5",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    response = api.patch(f"/api/v1/kpi-measurements/{pk}/", {"value": "4.0"}, format="json")
    assert response.status_code == 200, response.content
    assert [(r.history_type, r.value) for r in records(KpiMeasurement, id=pk)] == [
        ("+", Decimal("4.5")),
        ("~", Decimal("4.0")),
    ]


def test_kpi_bulk_api_leaves_one_record_per_row(world):
    enterprise = world.sgs_enterprise
    before = KpiMeasurement.history.count()
    rows = [
        {"enterprise": enterprise.pk, "indicator": code, "period": "2024-03", "value": "7"}
        for code in ("defect_rate", "absenteeism", "productivity")
    ]
    response = client_for(world.users.sgs_staff).post(
        "/api/v1/kpi-measurements/bulk/", rows, format="json"
    )
    assert response.status_code == 201, response.content
    assert KpiMeasurement.history.count() == before + 3
    for pk in response.json()["ids"]:
        assert [(r.history_type, r.history_user) for r in records(KpiMeasurement, id=pk)] == [
            ("+", world.users.sgs_staff)
        ]


def test_kpi_month_form_is_audited(world, client):
    from tests.portal.test_kpi_pages import blank_form, entry

    client.force_login(world.users.sgs_staff)
    stored = factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=date(2024, 3, 1), value=9
    )
    response = client.post(
        entry(world.sgs_enterprise),
        blank_form(**{"defect_rate-value": "6.5", "productivity-value": "4"}),
    )
    assert response.status_code == 302
    assert [(r.history_type, r.value) for r in records(KpiMeasurement, id=stored.pk)][-1] == (
        "~",
        Decimal("6.5"),
    )
    new = KpiMeasurement.objects.get(indicator__code="productivity", period=date(2024, 3, 1))
    assert new.history.get().history_user == world.users.sgs_staff


def test_kpi_import_records_only_the_rows_it_changes(
    world, client, django_capture_on_commit_callbacks
):
    enterprise = world.sgs_enterprise
    kept = factories.KpiMeasurementFactory(enterprise=enterprise, period=date(2024, 1, 1), value=10)
    corrected = factories.KpiMeasurementFactory(
        enterprise=enterprise, period=date(2024, 2, 1), value=9
    )
    before = KpiMeasurement.history.count()
    client.force_login(world.users.sgs_staff)
    _import(
        client,
        django_capture_on_commit_callbacks,
        "kpi_measurements",
        [
            ["enterprise_id", "indicator", "period", "value"],
            [enterprise.pk, "defect_rate", "2024-01", "10"],
            [enterprise.pk, "defect_rate", "2024-02", "8.5"],
            [enterprise.pk, "defect_rate", "2024-05", "3"],
        ],
    )
    assert KpiMeasurement.history.count() == before + 2
    assert [r.history_type for r in kept.history.all()] == ["+"]  # unchanged: no new record
    last = corrected.history.order_by("-history_id").first()
    assert (last.history_type, last.value, last.history_user) == (
        "~",
        Decimal("8.5"),
        world.users.sgs_staff,
    )
    new = KpiMeasurement.objects.get(period=date(2024, 5, 1))
    assert [(r.history_type, r.history_user) for r in records(KpiMeasurement, id=new.pk)] == [
        ("+", world.users.sgs_staff)
    ]


# --- enrolments, licences, certifications, supplier links ----------------------------------


def test_enrolment_api_writes_are_audited(world):
    api = client_for(world.users.sgs_staff)
    created = api.post(
        "/api/v1/enrolments/",
        {
            "enterprise": world.sgs_enterprise.pk,
            "module": "WCO",
            "started_on": "2024-01-15",
            "lead_trainer": world.sgs_trainer.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    history = records(Enrolment, id=created.json()["id"])
    assert [(r.history_type, r.history_user) for r in history] == [("+", world.users.sgs_staff)]


def test_licence_change_is_audited(world):
    api = client_for(world.users.ilo_admin)
    response = api.patch(
        f"/api/v1/licences/{world.sgs_licence.pk}/", {"valid_until": "2030-12-31"}, format="json"
    )
    assert response.status_code == 200, response.content
    last = world.sgs_licence.history.first()
    assert (last.history_type, last.history_user) == ("~", world.users.ilo_admin)


def test_certification_write_is_audited(world):
    from trainers import services as trainer_services

    certification = world.sgs_trainer.certifications.first()
    trainer_services.certification_update(
        actor=world.users.ilo_admin, certification=certification, expires_on=date(2031, 1, 1)
    )
    last = certification.history.first()
    assert (last.history_type, last.history_user) == ("~", world.users.ilo_admin)


def test_supplier_link_decisions_are_audited(world):
    link = factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=world.sgs_enterprise, status="requested"
    )
    response = client_for(world.users.sgs_manager).post(f"/api/v1/supplier-links/{link.pk}/grant/")
    assert response.status_code == 200, response.content
    last = link.history.first()
    assert (last.history_type, last.status, last.history_user) == (
        "~",
        "granted",
        world.users.sgs_manager,
    )


# --- where the history shows ---------------------------------------------------------------


def test_enterprise_page_shows_who_changed_what_and_when(world, client):
    client.force_login(world.users.sgs_staff)
    api = client_for(world.users.sgs_staff)
    created = api.post(
        "/api/v1/kpi-measurements/",
        {
            "enterprise": world.sgs_enterprise.pk,
            "indicator": "defect_rate",
            "period": "2024-03",
            "value": "4.5",
        },
        format="json",
    ).json()
    api.patch(f"/api/v1/kpi-measurements/{created['id']}/", {"value": "3.25"}, format="json")
    page = client.get(reverse("enterprises:enterprise-detail", args=[world.sgs_enterprise.pk]))
    entries = page.context["change_history"]
    changed = next(entry for entry in entries if entry.action == "changed")
    assert changed.who == "sgs.staff"
    assert "2024-03" in changed.subject
    assert ("value", "4.5", "3.25") in [(label, old, new) for label, old, new in changed.changes]
    body = page.content.decode()
    assert 'id="history"' in body and "4.5 → 3.25" in body


def test_brands_do_not_see_who_changed_their_suppliers(world, client):
    client.force_login(world.users.inditex_viewer)
    page = client.get(reverse("enterprises:enterprise-detail", args=[world.sgs_enterprise.pk]))
    assert page.status_code == 200
    assert 'id="history"' not in page.content.decode()


def test_history_section_costs_the_same_queries_as_history_grows(
    world, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users.sgs_staff)
    url = reverse("enterprises:enterprise-detail", args=[world.sgs_enterprise.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for month in range(1, 13):
        measurement = factories.KpiMeasurementFactory(
            enterprise=world.sgs_enterprise, period=date(2023, month, 1), value=month
        )
        measurement.value = month + 1
        measurement.save()
    with django_assert_max_num_queries(len(small.captured_queries) + 2):
        client.get(url)
