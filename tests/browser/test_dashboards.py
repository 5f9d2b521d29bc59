"""Each dashboard in a real browser, as its role: the charts are drawn, the filters answer
through htmx, and the pages speak French when asked. Screenshots go to tests/artifacts/."""

import pytest
from playwright.sync_api import expect

from partners.models import Organisation
from reports.aggregation.recompute import recompute_all
from score_platform.demo.world import seed_demo_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "score-demo"


@pytest.fixture
def demo(settings):
    settings.DEMO_PASSWORD = DEMO_PASSWORD
    seed_demo_world(enterprises=60, months=12)
    recompute_all(history=True)


def charts_drawn(page, minimum: int = 1) -> int:
    """Wait until Chart.js has drawn into the canvases; how many were drawn."""
    page.wait_for_function(
        "n => document.querySelectorAll('canvas[data-chart-drawn]').length >= n", arg=minimum
    )
    drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll('canvas[data-chart-drawn]')).filter(
            canvas => canvas.width > 0 && canvas.height > 0 &&
            canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
                  .data.some(value => value !== 0)).length"""
    )
    assert drawn >= minimum
    return drawn


def open_dashboard(page, live_server, log_in, username):
    log_in(page, username, DEMO_PASSWORD)
    page.get_by_role("link", name="Open your dashboard").click()
    page.wait_for_load_state("networkidle")


def test_ilo_programme_dashboard(demo, live_server, page, log_in, screenshot):
    page.set_default_timeout(20_000)
    open_dashboard(page, live_server, log_in, "ilo.officer")
    expect(page.get_by_role("heading", name="Programme dashboard")).to_be_visible()
    assert charts_drawn(page, 6) >= 6  # KPI results, trend, four breakdowns
    screenshot(page, "01-programme")
    # A filter answers through htmx, without a page load.
    page.get_by_label("Country", exact=True).select_option("CN")
    page.wait_for_function("() => new URL(location).searchParams.get('country') === 'CN'")
    page.wait_for_load_state("networkidle")
    charts_drawn(page, 2)
    # The swapped-out charts are let go: Chart.js holds only those on the page.
    held, shown = page.evaluate(
        """() => [Object.keys(Chart.instances).length,
                  document.querySelectorAll('canvas[data-chart-drawn]').length]"""
    )
    assert held == shown
    screenshot(page, "02-programme-china")


def test_partner_dashboard(demo, live_server, page, log_in, screenshot):
    page.set_default_timeout(20_000)
    open_dashboard(page, live_server, log_in, "sgs.manager")
    expect(page.get_by_role("heading", name="SGS: portfolio dashboard")).to_be_visible()
    expect(page.get_by_test_id("pipeline-table")).to_be_visible()
    charts_drawn(page, 2)
    screenshot(page, "01-partner")


def test_brand_dashboard(demo, live_server, page, log_in, screenshot):
    page.set_default_timeout(20_000)
    open_dashboard(page, live_server, log_in, "inditex.viewer")
    expect(page.get_by_role("heading", name="Inditex: suppliers dashboard")).to_be_visible()
    expect(page.get_by_test_id("supplier-table")).to_be_visible()
    charts_drawn(page, 1)
    screenshot(page, "01-brand")


def test_public_impact_page_in_four_languages(demo, live_server, page, screenshot):
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/impact/")
    expect(page.get_by_test_id("impact-phrases")).to_be_visible()
    charts_drawn(page, 1)
    screenshot(page, "01-impact-en")
    headings = {
        "fr": "SCORE : l’impact du programme",
        "es": "SCORE: el impacto del programa",
        "zh-hans": "SCORE：基于项目自身数据的成效",
    }
    for number, (language, heading) in enumerate(headings.items(), start=2):
        # The switcher submits itself when a language is chosen (portal.js).
        page.locator("#language-choice").select_option(language)
        page.wait_for_load_state("networkidle")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        charts_drawn(page, 1)
        screenshot(page, f"{number:02d}-impact-{language}")


def test_partner_dashboard_in_french(demo, live_server, page, log_in, screenshot):
    page.set_default_timeout(20_000)
    sgs = Organisation.objects.get(name="SGS")
    log_in(page, "sgs.manager", DEMO_PASSWORD)
    page.locator("#language-choice").select_option("fr")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/dashboards/partners/{sgs.pk}/")
    expect(
        page.get_by_role("heading", name="SGS : tableau de bord du portefeuille")
    ).to_be_visible()
    expect(page.get_by_text("Parcours : inscriptions par statut et par module")).to_be_visible()
    charts_drawn(page, 2)
    screenshot(page, "01-partner-fr")
