"""The whole partner flow in a real browser, as SGS staff (with its manager registering the
enterprise, which access.md reserves to partner managers and ILO staff)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enterprises.models import Enterprise
from modules.models import Attendance, ConsultationVisit, Enrolment, ImprovementProject
from reports.models import KpiMeasurement
from reports.selectors import previous_month
from tests.factories import PASSWORD


def settled(page):
    """Wait until htmx has swapped and wired up what it fetched (a human is never faster)."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")


pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_partner_logs_a_whole_cycle_in_the_browser(
    world, live_server, page, log_in, log_out, screenshot
):
    today = timezone.localdate()
    base = live_server.url
    page.set_default_timeout(15_000)

    # 1. Staff log in; registering enterprises is their manager's job (access.md).
    log_in(page, "sgs.staff", PASSWORD)
    expect(page.get_by_role("heading", name="Enrolments in progress")).to_be_visible()
    expect(page.get_by_role("link", name="Register an enterprise")).to_have_count(0)
    screenshot(page, "01-staff-home")
    log_out(page)

    # 2. The manager registers the enterprise.
    log_in(page, "sgs.manager", PASSWORD)
    page.get_by_role("link", name="Register an enterprise").first.click()
    page.get_by_label("Name").fill("Dongguan Knitwear")
    page.get_by_label("Country").select_option(label="China")
    page.get_by_label("City").fill("Dongguan")
    page.get_by_label("Sector").select_option(label="Garments and textiles")
    page.get_by_label("Employees (total)").fill("320")
    page.get_by_label("Employees (female)").fill("410")
    page.get_by_role("button", name="Register").click()
    # A clear, field-level error, and nothing saved.
    expect(page.get_by_text("cannot exceed the total")).to_be_visible()
    assert not Enterprise.objects.filter(name="Dongguan Knitwear").exists()
    screenshot(page, "02-register-error")
    page.get_by_label("Employees (female)").fill("190")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Dongguan Knitwear")).to_be_visible()
    enterprise = Enterprise.objects.get(name="Dongguan Knitwear")
    assert enterprise.partner == world.sgs
    screenshot(page, "03-enterprise-registered")
    log_out(page)

    # 3. Staff enrol it in Workplace Cooperation.
    log_in(page, "sgs.staff", PASSWORD)
    page.goto(f"{base}/enterprises/?search=Dongguan")
    page.get_by_role("link", name="Dongguan Knitwear").click()
    page.get_by_role("link", name="Enrol in a module").click()
    page.get_by_label("Module").select_option(label="WCO — Workplace Cooperation")
    page.get_by_label("Started on").fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("Lead trainer").select_option(label="Li Wei")
    page.get_by_label("Fee").first.fill("1200")
    page.get_by_label("Paid by").select_option(label="Brand")
    screenshot(page, "04-enrol")
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_test_id("enrolment-status")).to_have_text("Planned")
    enrolment = Enrolment.objects.get(enterprise=enterprise)
    page.get_by_role("button", name="Move to Classroom").click()
    expect(page.get_by_test_id("enrolment-status")).to_have_text("Classroom")
    screenshot(page, "05-enrolment")

    # 4. A classroom session; only certified trainers are offered, loaded by htmx.
    page.get_by_role("link", name="Classroom sessions").click()
    page.get_by_role("link", name="Record a classroom session").click()
    expect(page.get_by_test_id("no-trainers")).to_be_visible()
    page.get_by_label("Module").select_option(label="WCO — Workplace Cooperation")
    page.get_by_label("Starts on").fill((today - timedelta(days=20)).isoformat())
    page.get_by_label("Starts on").dispatch_event("change")
    expect(page.get_by_label("Li Wei")).to_be_visible()
    page.get_by_label("Ends on").fill((today - timedelta(days=19)).isoformat())
    page.get_by_label("Venue").fill("SGS training centre")
    page.get_by_label("City").fill("Dongguan")
    page.get_by_label("Country").select_option(label="China")
    page.get_by_label("Li Wei").check()
    screenshot(page, "06-session-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Attendance")).to_be_visible()

    # Attendance: add the enterprise to the grid, then its participants inline.
    page.get_by_label("Add an enterprise enrolled in this module").select_option(
        label="Dongguan Knitwear"
    )
    page.get_by_role("button", name="Add to the grid").click()
    expect(page.locator(f"#attendance-enterprise-{enterprise.pk}")).to_be_visible()
    settled(page)
    for name, role, gender, contract in [
        ("Chen Jing", "Manager", "Male", "Permanent"),
        ("Liu Yan", "Worker", "Female", "Temporary"),
        ("Zhao Min", "Worker", "Female", "Permanent"),
    ]:
        block = page.locator(f"#attendance-enterprise-{enterprise.pk}")
        block.get_by_text("Add a participant").click()
        block.get_by_label("Full name").fill(name)
        block.get_by_label("Role").select_option(label=role)
        block.get_by_label("Gender").select_option(label=gender)
        block.get_by_label("Contract").select_option(label=contract)
        block.get_by_label("Enterprise Improvement Team member").check()
        block.get_by_role("button", name="Add", exact=True).click()
        expect(
            page.locator(f"#attendance-enterprise-{enterprise.pk}").get_by_role(
                "cell", name=re.compile(f"^{name}")
            )
        ).to_be_visible()
        settled(page)
    page.get_by_label("Days attended by Zhao Min").select_option("1")
    expect(page.locator("tr", has_text="Zhao Min").get_by_text("Saved")).to_be_visible()
    screenshot(page, "07-attendance")
    assert Attendance.objects.filter(participant__enterprise=enterprise).count() == 3
    assert Attendance.objects.get(participant__full_name="Zhao Min").days_attended == 1

    # 5. A follow-up visit and an improvement project on the enrolment.
    page.goto(f"{base}/training/enrolments/{enrolment.pk}/")
    page.get_by_role("link", name="Log a visit").click()
    page.get_by_label("Kind").select_option(label="Follow-up")
    page.get_by_label("Visited on").fill((today - timedelta(days=5)).isoformat())
    page.get_by_label("Trainer").select_option(label="Li Wei")
    page.get_by_label("Duration (hours)").fill("3.5")
    page.get_by_label("EIT members present").fill("3")
    page.get_by_label("Summary").fill(
        "Walked the sewing lines with the team; agreed on a defect log."
    )
    screenshot(page, "08-visit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("1 of 3 follow-up visits")).to_be_visible()
    page.get_by_role("link", name="Add a project").click()
    page.get_by_label("Title").fill("Defect log at every sewing line")
    page.get_by_label("Owner").fill("Liu Yan")
    page.get_by_label("Due on").fill((today + timedelta(days=30)).isoformat())
    page.get_by_label("Targeted indicator").select_option(label="Defective products")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("article", name="Defect log at every sewing line")).to_be_visible()
    page.get_by_label("Status of Defect log at every sewing line").select_option(
        label="In progress"
    )
    page.get_by_role("article", name="Defect log at every sewing line").get_by_role(
        "button", name="Move"
    ).click()
    expect(page.get_by_text("is now In progress")).to_be_visible()
    screenshot(page, "09-improvement-plan")
    assert ConsultationVisit.objects.filter(enrolment=enrolment).count() == 1
    assert ImprovementProject.objects.get(enrolment=enrolment).status == "in_progress"

    # 6. KPIs: the baseline month, then a month of monitoring.
    reporting = previous_month(today)
    baseline_month = previous_month(reporting)
    page.goto(f"{base}/kpis/enterprises/{enterprise.pk}/{baseline_month:%Y-%m}/")
    expect(page.get_by_label("Defective products is the baseline")).to_be_checked()
    page.get_by_label("Defective products", exact=True).fill("12.5")
    page.get_by_label("Labour productivity", exact=True).fill("4.2")
    page.get_by_label("Absenteeism", exact=True).fill("140")
    page.get_by_role("button", name=re.compile("Save the KPIs")).click()
    # A percentage above 100 is refused in words, and nothing is saved.
    expect(page.get_by_text("is a percentage: the value is at most 100")).to_be_visible()
    assert not KpiMeasurement.objects.filter(enterprise=enterprise).exists()
    screenshot(page, "10-kpi-baseline-error")
    page.get_by_label("Absenteeism", exact=True).fill("6.5")
    page.get_by_role("button", name=re.compile("Save the KPIs")).click()
    expect(page.get_by_text("are saved: 3 new")).to_be_visible()
    screenshot(page, "11-kpi-baseline")

    page.get_by_role("link", name=f"{reporting:%Y-%m} →").click()
    expect(page.get_by_label("Defective products is the baseline")).not_to_be_checked()
    expect(page.locator("tr[data-indicator=defect_rate]")).to_contain_text("12.5")
    page.get_by_label("Defective products", exact=True).fill("4.5")
    page.get_by_label("Labour productivity", exact=True).fill("5.0")
    page.get_by_label("Absenteeism", exact=True).fill("5.2")
    page.get_by_label("Source of Absenteeism").select_option(label="Estimate")
    page.get_by_role("button", name=re.compile("Save the KPIs")).click()
    expect(page.get_by_text("are saved: 3 new")).to_be_visible()
    screenshot(page, "12-kpi-month")

    # 7. The enterprise page shows the new result against the baseline, with its chart.
    page.get_by_role("link", name="Back to the enterprise").click()
    defects = page.locator("#kpis tr[data-indicator=defect_rate]")
    expect(defects).to_contain_text("12.5")
    expect(defects).to_contain_text("4.5")
    expect(defects.locator("canvas[data-chart-drawn]")).to_have_count(1)
    expect(page.get_by_test_id("team-composition")).to_contain_text("3 members")
    page.locator("#kpis").scroll_into_view_if_needed()
    screenshot(page, "13-enterprise-results")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    # Wide tables scroll inside their card; the page itself fits the phone.
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    screenshot(page, "14-enterprise-phone")
