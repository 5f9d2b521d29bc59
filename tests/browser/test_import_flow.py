"""A spreadsheet import in the browser: a file with a bad row, then the corrected file."""

import re

import pytest
from playwright.sync_api import expect

from reports.models import KpiMeasurement
from tests.factories import PASSWORD
from tests.portal.conftest import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["enterprise_id", "indicator", "period", "value", "is_baseline", "source"]


def test_partner_staff_import_kpis_after_fixing_the_row_the_check_names(
    world, live_server, page, log_in, screenshot, tmp_path
):
    page.set_default_timeout(15_000)
    enterprise = world.sgs_enterprise.pk
    bad = tmp_path / "kpis.csv"
    bad.write_bytes(
        csv_bytes(
            [
                HEADER,
                [enterprise, "defect_rate", "2024-01", "12.5", "yes", "records"],
                [enterprise, "absenteeism", "2024-01", "140", "yes", "records"],
            ]
        )
    )
    log_in(page, "sgs.staff", PASSWORD)
    page.get_by_label("Main navigation").get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import a spreadsheet").first.click()
    page.get_by_label("What the file holds").select_option(label="KPI measurements")
    page.locator("#id_file").set_input_files(str(bad))
    screenshot(page, "01-upload")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Has errors; nothing imported")
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("is a percentage: the value is at most 100")
    expect(errors.locator("tr", has_text="at most 100").locator("td").first).to_have_text("3")
    screenshot(page, "02-row-errors")
    assert not KpiMeasurement.objects.exists()

    good = tmp_path / "kpis-fixed.csv"
    good.write_bytes(bad.read_bytes().replace(b",140,", b",14,"))
    page.get_by_label("Main navigation").get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="Import a spreadsheet").first.click()
    page.get_by_label("What the file holds").select_option(label="KPI measurements")
    page.locator("#id_file").set_input_files(str(good))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Checked, ready to import")
    expect(page.get_by_test_id("created-count")).to_have_text("2")
    expect(page.get_by_test_id("import-preview")).to_contain_text("new")
    screenshot(page, "03-preview")
    page.get_by_role("button", name=re.compile("Import all 2 rows")).click()
    expect(page.get_by_test_id("import-status")).to_have_text("Imported")
    screenshot(page, "04-imported")
    assert KpiMeasurement.objects.filter(enterprise_id=enterprise).count() == 2
