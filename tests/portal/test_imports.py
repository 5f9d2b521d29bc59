"""Spreadsheet imports through the pages: template, upload, check with row errors, commit."""

import time
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Enterprise, Participant
from portal.imports.kinds import import_kind
from portal.models import ImportJob
from reports.models import Indicator, KpiMeasurement
from tests import factories
from tests.portal.conftest import csv_bytes, upload_file, xlsx_bytes

pytestmark = pytest.mark.django_db

KPI_HEADER = ["enterprise_id", "indicator", "period", "value", "is_baseline", "source", "note"]


def upload(client, django_capture_on_commit_callbacks, name, content, kind, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:import-create"),
            {"kind": kind, "file": upload_file(name, content), **extra},
        )
    return response


def commit(client, django_capture_on_commit_callbacks, job):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("portal:import-commit", args=[job.pk]))


def kpi_rows(enterprise):
    return [
        KPI_HEADER,
        [enterprise.pk, "defect_rate", "2024-01", "12.5", "yes", "records", ""],
        [enterprise.pk, "defect_rate", "2024-02", "9,5", "no", "estimate", "decimal comma"],
        [enterprise.pk, "productivity", "2024-01", "4.2", "yes", "", ""],
    ]


def test_a_kpi_csv_is_checked_then_imported_when_the_partner_says_so(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_staff)
    response = upload(
        client,
        django_capture_on_commit_callbacks,
        "kpis.csv",
        csv_bytes(kpi_rows(world.sgs_enterprise)),
        "kpi_measurements",
    )
    job = ImportJob.objects.get()
    assert response.url == reverse("portal:import-detail", args=[job.pk])
    assert (job.status, job.total_rows, job.created_count, job.error_count) == ("ready", 3, 3, 0)
    assert not KpiMeasurement.objects.exists()  # the check saves nothing
    page = client.get(response.url)
    assert [row["action"] for row in page.context["job"].preview["rows"]] == ["created"] * 3
    assert b"Import all 3 rows" in page.content

    commit(client, django_capture_on_commit_callbacks, job)
    job.refresh_from_db()
    assert job.status == "done"
    stored = KpiMeasurement.objects.filter(enterprise=world.sgs_enterprise)
    assert stored.count() == 3
    assert stored.get(period=date(2024, 2, 1)).value == Decimal("9.5")
    assert stored.get(period=date(2024, 2, 1)).source == "estimate"
    assert KpiMeasurement.history.filter(history_user=world.users.sgs_staff).count() == 3


def test_a_file_with_one_bad_row_saves_nothing_and_lists_the_row(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_staff)
    rows = kpi_rows(world.sgs_enterprise)
    rows.append([world.sgs_enterprise.pk, "absenteeism", "2024-01", "140", "yes", "", ""])
    rows.append([world.tuv_enterprise.pk, "waste", "2024-01", "3", "yes", "", ""])
    rows.append([world.sgs_enterprise.pk, "defects", "2024-13", "x", "maybe", "", ""])
    upload(
        client, django_capture_on_commit_callbacks, "kpis.csv", csv_bytes(rows), "kpi_measurements"
    )
    job = ImportJob.objects.get()
    assert job.status == "invalid"
    problems = {(error["row"], error["column"]) for error in job.errors}
    assert (5, "value") in problems  # a percentage above 100, in the service's words
    assert (6, "enterprise_id") in problems  # another partner's enterprise: "not yours"
    assert {(7, "indicator"), (7, "period"), (7, "value"), (7, "is_baseline")} <= problems
    messages = {error["row"]: error["message"] for error in job.errors if error["row"] in (5, 6)}
    assert "at most 100" in messages[5]
    assert "No enterprise with id" in messages[6]
    assert not KpiMeasurement.objects.exists()
    preview = {row["row"]: row["action"] for row in job.preview["rows"]}
    assert preview == {2: "ok", 3: "ok", 4: "ok", 5: "problem", 6: "problem", 7: "problem"}

    page = client.get(reverse("portal:import-detail", args=[job.pk]))
    assert b"nothing was imported" in page.content
    assert b"Import all" not in page.content
    commit(client, django_capture_on_commit_callbacks, job)
    job.refresh_from_db()
    assert job.status == "invalid"
    assert not KpiMeasurement.objects.exists()


def test_importing_the_same_file_twice_changes_nothing(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_staff)
    content = csv_bytes(kpi_rows(world.sgs_enterprise))
    upload(client, django_capture_on_commit_callbacks, "kpis.csv", content, "kpi_measurements")
    commit(client, django_capture_on_commit_callbacks, ImportJob.objects.get())
    before = list(KpiMeasurement.objects.order_by("pk").values_list("pk", "value", "updated_at"))
    history = KpiMeasurement.history.count()

    upload(client, django_capture_on_commit_callbacks, "kpis.csv", content, "kpi_measurements")
    second = ImportJob.objects.latest("pk")
    assert (second.status, second.created_count, second.updated_count, second.unchanged_count) == (
        "ready",
        0,
        0,
        3,
    )
    assert (
        b"changes nothing" in client.get(reverse("portal:import-detail", args=[second.pk])).content
    )
    commit(client, django_capture_on_commit_callbacks, second)
    second.refresh_from_db()
    assert second.status == "done"
    after = list(KpiMeasurement.objects.order_by("pk").values_list("pk", "value", "updated_at"))
    assert after == before
    assert KpiMeasurement.history.count() == history


def test_a_manager_imports_enterprises_from_xlsx_and_a_second_run_corrects_them(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_manager)
    header = [
        "name",
        "country",
        "city",
        "sector",
        "employees_total",
        "employees_female",
        "registration_number",
        "os_id",
    ]
    rows = [
        header,
        ["Chennai Leather", "IN", "Chennai", "footwear", 420, 300, "IN-778", ""],
        ["Ningbo Plastics", "China", "Ningbo", "Chemicals and plastics", 90, 20, "", "CN99"],
    ]
    upload(
        client,
        django_capture_on_commit_callbacks,
        "enterprises.xlsx",
        xlsx_bytes(rows),
        "enterprises",
    )
    job = ImportJob.objects.get()
    assert (job.status, job.file_format, job.created_count) == ("ready", "xlsx", 2)
    assert job.organisation == world.sgs
    commit(client, django_capture_on_commit_callbacks, job)
    chennai = Enterprise.objects.get(name="Chennai Leather")
    assert (chennai.partner, str(chennai.country), chennai.sector) == (world.sgs, "IN", "footwear")

    rows[1][4] = 450  # matched by its registration number, corrected
    upload(
        client,
        django_capture_on_commit_callbacks,
        "enterprises.xlsx",
        xlsx_bytes(rows),
        "enterprises",
    )
    again = ImportJob.objects.latest("pk")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 1, 1)
    commit(client, django_capture_on_commit_callbacks, again)
    chennai.refresh_from_db()
    assert chennai.employees_total == 450
    assert Enterprise.objects.filter(partner=world.sgs).count() == 3


def test_enterprise_rows_meet_the_licence_and_employee_rules_of_the_service(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_manager)
    rows = [
        ["name", "country", "sector", "employees_total", "employees_female"],
        ["Hanoi Shoes", "VN", "footwear", 100, 10],  # SGS holds no licence in Viet Nam
        ["Pune Motors", "IN", "automotive", 100, 140],
    ]
    upload(client, django_capture_on_commit_callbacks, "e.csv", csv_bytes(rows), "enterprises")
    job = ImportJob.objects.get()
    assert job.status == "invalid"
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (2, "country"),
        (3, "employees_female"),
    }
    assert not Enterprise.objects.filter(name__in=["Hanoi Shoes", "Pune Motors"]).exists()


def test_participants_are_imported_and_matched_by_enterprise_and_name(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_staff)
    enterprise = world.sgs_enterprise
    factories.ParticipantFactory(enterprise=enterprise, full_name="Wang Fang", role="worker")
    rows = [
        ["enterprise_id", "full_name", "role", "gender", "contract", "is_eit_member"],
        [enterprise.pk, "wang fang", "manager", "female", "permanent", "yes"],
        [enterprise.pk, "Li Na", "worker", "female", "temporary", "no"],
    ]
    upload(client, django_capture_on_commit_callbacks, "p.csv", csv_bytes(rows), "participants")
    job = ImportJob.objects.get()
    assert (job.created_count, job.updated_count) == (1, 1)
    commit(client, django_capture_on_commit_callbacks, job)
    assert Participant.objects.get(full_name="Wang Fang").role == "manager"
    assert Participant.objects.filter(enterprise=enterprise).count() == 2


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("kpis.xlsx", b"enterprise_id,indicator\n1,x\n", "not an Excel workbook"),
        ("kpis.csv", xlsx_bytes([KPI_HEADER]), "is an Excel workbook"),
        ("kpis.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Upload a .csv or .xlsx"),
        ("kpis.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file"),
        (
            "kpis.csv",
            "enterprise_id,indicator,period,value\n1,défaut,2024-01,1\n".encode("latin-1"),
            "not UTF-8",
        ),
        ("kpis.csv", b"enterprise_id;indicator\n1;x\n", "missing columns: period, value"),
        ("kpis.csv", b"enterprise_id,indicator,period,value,colour\n", "unknown columns: colour"),
        ("kpis.csv", b"PK\x03\x04 not really a zip", "is an Excel workbook"),
        ("kpis.xlsx", b"PK\x03\x04 not really a zip", "cannot be read"),
        ("kpis.csv", b"", "empty"),
    ],
    ids=[
        "csv-named-xlsx",
        "xlsx-named-csv",
        "xls",
        "xls-named-csv",
        "latin-1",
        "wrong-shape",
        "unknown-column",
        "fake-zip-named-csv",
        "broken-xlsx",
        "empty",
    ],
)
def test_a_file_of_the_wrong_type_or_shape_gets_a_clear_error(
    client, world, django_capture_on_commit_callbacks, name, content, words
):
    client.force_login(world.users.sgs_staff)
    response = upload(client, django_capture_on_commit_callbacks, name, content, "kpi_measurements")
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(
    client, world, django_capture_on_commit_callbacks, settings
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(world.users.sgs_staff)
    content = csv_bytes([KPI_HEADER] + [[1, "defect_rate", "2024-01", "1"]] * 60_000)
    response = upload(
        client, django_capture_on_commit_callbacks, "big.csv", content, "kpi_measurements"
    )
    assert "larger than 1 MB" in " ".join(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_a_semicolon_csv_with_a_byte_order_mark_is_read(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_staff)
    content = "\ufeff".encode() + csv_bytes(kpi_rows(world.sgs_enterprise), delimiter=";")
    upload(client, django_capture_on_commit_callbacks, "kpis.csv", content, "kpi_measurements")
    assert ImportJob.objects.get().status == "ready"


def test_partner_staff_may_not_import_enterprises(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_staff)
    rows = [["name", "country", "sector", "employees_total"], ["X", "CN", "other", 5]]
    response = upload(
        client, django_capture_on_commit_callbacks, "e.csv", csv_bytes(rows), "enterprises"
    )
    assert "kind" in response.context["form"].errors
    assert (
        client.get(reverse("portal:import-template", args=["enterprises", "csv"])).status_code
        == 403
    )
    assert not ImportJob.objects.exists()


def test_ilo_staff_choose_the_partner_of_imported_enterprises(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.ilo_officer)
    rows = [["name", "country", "sector", "employees_total"], ["Wuxi Wire", "CN", "metal", 40]]
    response = upload(
        client, django_capture_on_commit_callbacks, "e.csv", csv_bytes(rows), "enterprises"
    )
    assert "Choose the partner" in " ".join(response.context["form"].errors["organisation"])
    upload(
        client,
        django_capture_on_commit_callbacks,
        "e.csv",
        csv_bytes(rows),
        "enterprises",
        organisation=world.tuv.pk,
    )
    commit(client, django_capture_on_commit_callbacks, ImportJob.objects.get())
    assert Enterprise.objects.get(name="Wuxi Wire").partner == world.tuv


def test_another_partners_import_is_a_404_and_a_brand_gets_403(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_staff)
    upload(
        client,
        django_capture_on_commit_callbacks,
        "kpis.csv",
        csv_bytes(kpi_rows(world.sgs_enterprise)),
        "kpi_measurements",
    )
    job = ImportJob.objects.get()
    client.force_login(world.users.tuv_manager)
    for name in ("portal:import-detail", "portal:import-progress"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("portal:import-commit", args=[job.pk])).status_code == 404
    assert job not in client.get(reverse("portal:import-list")).context["object_list"]
    client.force_login(world.users.inditex_viewer)
    assert client.get(reverse("portal:import-list")).status_code == 403
    assert client.get(reverse("portal:import-create")).status_code == 403
    client.logout()
    assert client.get(reverse("portal:import-list")).status_code == 302


def test_a_colleague_of_the_same_partner_may_commit_the_import(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users.sgs_staff)
    upload(
        client,
        django_capture_on_commit_callbacks,
        "kpis.csv",
        csv_bytes(kpi_rows(world.sgs_enterprise)),
        "kpi_measurements",
    )
    client.force_login(world.users.sgs_manager)
    commit(client, django_capture_on_commit_callbacks, ImportJob.objects.get())
    assert ImportJob.objects.get().status == "done"


@pytest.mark.parametrize("kind", ["enterprises", "participants", "kpi_measurements"])
def test_each_kind_has_a_csv_and_an_xlsx_template_with_its_columns(client, world, kind):
    client.force_login(world.users.sgs_manager)
    columns = import_kind(kind).column_names
    csv_template = client.get(reverse("portal:import-template", args=[kind, "csv"]))
    assert csv_template.content.decode("utf-8-sig").strip() == ",".join(columns)
    xlsx_template = client.get(reverse("portal:import-template", args=[kind, "xlsx"]))
    workbook = load_workbook(__import__("io").BytesIO(xlsx_template.content))
    assert [cell.value for cell in workbook.worksheets[0][1]] == columns
    assert workbook.worksheets[1].max_row > len(columns)
    assert client.get(reverse("portal:import-template", args=[kind, "json"])).status_code == 404


def test_the_progress_bar_polls_while_a_job_runs_and_reloads_the_page_when_it_ends(client, world):
    job = ImportJob.objects.create(
        kind="kpi_measurements",
        status="importing",
        original_name="big.csv",
        file="x.csv",
        file_format="csv",
        file_size=1,
        sha256="0",
        organisation=world.sgs,
        created_by=world.users.sgs_staff,
        total_rows=5000,
    )
    client.force_login(world.users.sgs_staff)
    running = client.get(reverse("portal:import-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in running.content
    ImportJob.objects.filter(pk=job.pk).update(status="done")
    finished = client.get(reverse("portal:import-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"


def ten_thousand_kpi_rows(world) -> list[list]:
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"Bulk factory {number}",
                country="CN",
                sector="garments",
                employees_total=100,
                partner=world.sgs,
            )
            for number in range(125)
        ]
    )
    codes = list(Indicator.objects.values_list("code", flat=True))
    assert len(codes) == 8
    rows = [KPI_HEADER]
    for enterprise in enterprises:
        for code in codes:
            for month in range(1, 11):
                rows.append(
                    [
                        enterprise.pk,
                        code,
                        f"2023-{month:02d}",
                        f"{month + 0.5}",
                        "yes" if month == 1 else "no",
                        "records",
                        "",
                    ]
                )
    assert len(rows) == 10_001
    return rows


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_ten_thousand_kpi_rows_are_checked_and_imported_in_the_background(
    client, world, django_capture_on_commit_callbacks, settings, file_format
):
    settings.IMPORT_BACKGROUND_ROWS = 2_000
    rows = ten_thousand_kpi_rows(world)
    content = csv_bytes(rows) if file_format == "csv" else xlsx_bytes(rows)
    client.force_login(world.users.sgs_staff)
    started = time.monotonic()
    upload(
        client,
        django_capture_on_commit_callbacks,
        f"kpis.{file_format}",
        content,
        "kpi_measurements",
    )
    job = ImportJob.objects.get()
    assert (job.status, job.total_rows, job.created_count) == ("ready", 10_000, 10_000)
    commit(client, django_capture_on_commit_callbacks, job)
    elapsed = time.monotonic() - started
    job.refresh_from_db()
    assert job.status == "done"
    assert KpiMeasurement.objects.count() == 10_000
    assert KpiMeasurement.history.count() == 10_000
    print(
        f"\n10,000 KPI rows ({file_format}): check {job.check_seconds:.2f} s, "
        f"import {job.import_seconds:.2f} s ({10_000 / job.import_seconds:,.0f} rows/s), "
        f"upload to done {elapsed:.2f} s"
    )
    # performance.md's 2,000 rows a second is measured on a quiet machine; this floor, met
    # even on a busy CI, fails as soon as a query a row creeps into the import path.
    assert 10_000 / job.import_seconds >= 500


def test_a_big_file_is_handed_to_celery_and_a_small_one_is_not(
    client, world, django_capture_on_commit_callbacks, settings, monkeypatch
):
    from portal import tasks

    settings.IMPORT_BACKGROUND_ROWS = 2
    sent = []
    monkeypatch.setattr(tasks.check_import, "delay", lambda job_id: sent.append(job_id))
    client.force_login(world.users.sgs_staff)
    upload(
        client,
        django_capture_on_commit_callbacks,
        "kpis.csv",
        csv_bytes(kpi_rows(world.sgs_enterprise)),
        "kpi_measurements",
    )
    job = ImportJob.objects.get()
    assert sent == [job.pk]
    assert job.status == "pending"
    page = client.get(reverse("portal:import-detail", args=[job.pk]))
    assert b'id="import-progress"' in page.content
