"""ILO staff start a rebuild from the admin's aggregation runs and see the computed rows."""

import pytest
from playwright.sync_api import expect

from reports.models import AggregationRun, EnterpriseKpiResult
from tests.factories import PASSWORD
from tests.kpi_helpers import series

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_ilo_admin_recomputes_now_from_the_runs_page(world, live_server, page, screenshot):
    series(world.sgs_enterprise, "defect_rate", "12.5", "4.5")
    base = live_server.url
    page.set_default_timeout(15_000)
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("ilo.admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{base}/admin/reports/aggregationrun/")
    recompute = page.get_by_role("button", name="Recompute now", exact=True)
    expect(recompute).to_be_visible()
    screenshot(page, "01-runs-before")
    recompute.click()

    expect(page.locator(".messagelist")).to_contain_text("Recompute queued as run")
    run = AggregationRun.objects.get()
    assert run.requested_by == world.users.ilo_admin
    # Celery runs eagerly here: the run has finished by the time the page is back.
    expect(page.locator("#result_list")).to_contain_text("Succeeded")
    screenshot(page, "02-runs-after")

    page.goto(f"{base}/admin/reports/enterprisekpiresult/")
    expect(page.locator("#result_list")).to_contain_text("Guangzhou Garments")
    expect(page.get_by_role("link", name="Add enterprise KPI result")).to_have_count(0)
    screenshot(page, "03-results")
    assert EnterpriseKpiResult.objects.get().improvement_pct == pytest.approx(64.0)
