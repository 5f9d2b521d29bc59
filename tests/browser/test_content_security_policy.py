"""Every page satisfies the Content Security Policy, and stored HTML never runs.

Chromium reports each blocked script, style, image or frame as a `securitypolicyviolation`
event (and a console error); both are recorded on every page and must stay empty. Names,
cities, titles and notes are seeded with script payloads that call back into the test if
they ever execute, whether the CSP holds or not.
"""

from datetime import date

import pytest

from modules.models import Enrolment
from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = (
    "<script>xssFired('script')</script>"
    "<img src=x onerror=\"xssFired('img')\">"
    "\"'><svg onload=\"xssFired('svg')\">{{7*7}}"
)
CALLBACK = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.cspViolation([event.violatedDirective, event.blockedURI, event.sourceFile || '',
                       String(event.lineNumber || ''), location.pathname].join(' | '));
});
"""


@pytest.fixture
def hostile_world(world):
    """The world's SGS enterprise and everything on it, named with script payloads."""
    enterprise = world.sgs_enterprise
    enterprise.name = "Guangzhou " + XSS
    enterprise.city = XSS[:120]
    enterprise.save()
    participant = factories.ParticipantFactory(enterprise=enterprise, full_name="Li " + XSS)
    world.sgs_trainer.full_name = "Trainer " + XSS
    world.sgs_trainer.save()
    enrolment = factories.EnrolmentFactory(
        enterprise=enterprise,
        status=Enrolment.Status.CONSULTING,
        lead_trainer=world.sgs_trainer,
        started_on=date(2024, 1, 15),
    )
    session = factories.ClassroomSessionFactory(
        partner=world.sgs, venue="Hall " + XSS, starts_on=date(2024, 2, 5)
    )
    session.trainers.add(world.sgs_trainer)
    factories.AttendanceFactory(session=session, participant=participant)
    factories.VisitFactory(
        enrolment=enrolment, trainer=world.sgs_trainer, summary=XSS, next_steps=XSS
    )
    project = factories.ImprovementProjectFactory(
        enrolment=enrolment, title="Project " + XSS, owner_name=XSS, description=XSS
    )
    factories.KpiMeasurementFactory(enterprise=enterprise, period=date(2024, 1, 1), value=12)
    factories.KpiMeasurementFactory(enterprise=enterprise, period=date(2024, 2, 1), value=9)
    return {
        "world": world,
        "enterprise": enterprise,
        "participant": participant,
        "enrolment": enrolment,
        "session": session,
        "project": project,
    }


@pytest.fixture
def watched_page(page):
    """A page that records CSP violations, CSP console errors and fired payloads."""
    records = {"violations": [], "console": [], "fired": []}
    page.expose_function("cspViolation", lambda text: records["violations"].append(text))
    page.expose_function("xssFired", lambda where: records["fired"].append(where))
    page.add_init_script(CALLBACK)
    page.on(
        "console",
        lambda message: (
            records["console"].append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.set_default_timeout(15_000)
    return page, records


def _visit_all(page, records, base, paths, screenshot=None):
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status < 500, (path, response and response.status)
        page.wait_for_load_state("networkidle")
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}, (
            path
        )
        if screenshot:
            screenshot(page, path.strip("/").replace("/", "_").replace("?", "_") or "home")
    assert records["fired"] == [], records["fired"]
    assert records["violations"] == [], records["violations"]
    assert records["console"] == [], records["console"]


def test_portal_and_admin_pages_raise_no_csp_violation_and_run_no_stored_html(
    hostile_world, live_server, watched_page, log_in, screenshot
):
    page, records = watched_page
    w = hostile_world
    e, enrolment, session, project = (w["enterprise"], w["enrolment"], w["session"], w["project"])
    log_in(page, "ilo.admin", PASSWORD)
    paths = [
        "/",
        "/enterprises/",
        "/enterprises/?search=%3Cscript%3E",
        f"/enterprises/{e.pk}/",
        f"/enterprises/{e.pk}/edit/",
        f"/enterprises/{e.pk}/participants/new/",
        f"/enterprises/participants/{w['participant'].pk}/edit/",
        "/enterprises/new/",
        "/training/enrolments/",
        f"/training/enrolments/{enrolment.pk}/",
        f"/training/enrolments/{enrolment.pk}/edit/",
        f"/training/enterprises/{e.pk}/enrol/",
        f"/training/enrolments/{enrolment.pk}/visits/new/",
        f"/training/enrolments/{enrolment.pk}/projects/new/",
        f"/training/projects/{project.pk}/edit/",
        "/training/projects/",
        "/training/sessions/",
        "/training/sessions/new/",
        f"/training/sessions/{session.pk}/",
        f"/training/sessions/{session.pk}/edit/",
        f"/kpis/enterprises/{e.pk}/2024-02/",
        f"/kpis/enterprises/{e.pk}/indicators/defect_rate/history/",
        "/imports/",
        "/imports/new/",
        "/accounts/password/",
        "/accounts/tokens/",
        "/admin/authtoken/tokenproxy/",
        "/no-such-page/",
        "/admin/",
        "/admin/enterprises/enterprise/",
        f"/admin/enterprises/enterprise/{e.pk}/change/",
        f"/admin/enterprises/enterprise/{e.pk}/history/",
        "/admin/modules/enrolment/",
        f"/admin/modules/enrolment/{enrolment.pk}/change/",
        "/admin/reports/kpimeasurement/",
        "/api/docs/",
        "/dashboards/",
        "/dashboards/programme/",
        f"/dashboards/partners/{w['world'].sgs.pk}/",
        f"/dashboards/brands/{w['world'].inditex.pk}/",
        "/health/",
    ]
    _visit_all(page, records, live_server.url, paths, screenshot)

    # The payload is shown as text, never parsed: the enterprise page holds no injected node.
    page.goto(f"{live_server.url}/enterprises/{e.pk}/")
    assert page.locator("main img[src=x], main svg[onload]").count() == 0
    assert XSS in page.locator("main").inner_text()

    # htmx fetches (the session's attendance blocks) obey the same policy.
    page.goto(f"{live_server.url}/training/sessions/{session.pk}/")
    page.wait_for_load_state("networkidle")
    assert records["violations"] == [] and records["fired"] == []


def test_brand_and_partner_pages_raise_no_csp_violation(
    hostile_world, live_server, watched_page, log_in, log_out
):
    page, records = watched_page
    e = hostile_world["enterprise"]
    log_in(page, "inditex.viewer", PASSWORD)
    brand = hostile_world["world"].inditex.pk
    _visit_all(
        page,
        records,
        live_server.url,
        ["/", "/enterprises/", f"/enterprises/{e.pk}/", f"/dashboards/brands/{brand}/"],
    )
    log_out(page)
    log_in(page, "sgs.staff", PASSWORD)
    _visit_all(
        page,
        records,
        live_server.url,
        ["/", "/enterprises/", f"/enterprises/{e.pk}/", "/training/projects/", "/imports/"],
    )


def test_login_page_raises_no_csp_violation(db, live_server, watched_page):
    page, records = watched_page
    _visit_all(page, records, live_server.url, ["/impact/", "/accounts/login/"])
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    assert records["violations"] == [] and records["console"] == []
