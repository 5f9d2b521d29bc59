"""Log in, log out, change password, and the home page each role lands on."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.selectors import previous_month
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    for url in ["/enterprises/", "/training/sessions/", "/imports/"]:
        assert client.get(url).url.startswith(reverse("login"))


def test_a_partner_logs_in_with_the_form_and_lands_on_the_home_page(client, world):
    page = client.get(reverse("login"))
    assert b'name="username"' in page.content and b"csrfmiddlewaretoken" in page.content
    response = client.post(reverse("login"), {"username": "sgs.staff", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").context["user"].username == "sgs.staff"


def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_login(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    refused = client.post(reverse("login"), {"username": "sgs.staff", "password": "nope"})
    assert refused.status_code == 200
    assert refused.context["form"].errors
    for _attempt in range(3):
        client.post(reverse("login"), {"username": "sgs.staff", "password": "nope"})
    locked = client.post(reverse("login"), {"username": "sgs.staff", "password": PASSWORD})
    assert locked.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_logging_out_takes_a_post_and_ends_the_session(client, world):
    client.force_login(world.users.sgs_staff)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get("/").status_code == 302


def test_a_user_changes_their_password(client, world):
    client.force_login(world.users.sgs_staff)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-2024",
            "new_password2": "a-much-longer-passphrase-2024",
        },
    )
    assert response.url == reverse("password_change_done")
    world.users.sgs_staff.refresh_from_db()
    assert world.users.sgs_staff.check_password("a-much-longer-passphrase-2024")


def test_a_weak_new_password_gets_a_field_error(client, world):
    client.force_login(world.users.sgs_staff)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"},
    )
    assert "new_password2" in response.context["form"].errors


@pytest.fixture
def work(world):
    """SGS work in every state the home page reports, and TÜV work it must not show."""
    today = timezone.localdate()
    long_ago = today - timedelta(days=200)
    overdue = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, status="consulting", started_on=long_ago
    )
    session = factories.ClassroomSessionFactory(
        partner=world.sgs, starts_on=long_ago, ends_on=long_ago + timedelta(days=1)
    )
    factories.AttendanceFactory(
        session=session, participant=factories.ParticipantFactory(enterprise=world.sgs_enterprise)
    )
    reported = factories.EnterpriseFactory(name="Reported Co", partner=world.sgs)
    factories.EnrolmentFactory(enterprise=reported, status="planned", started_on=today)
    factories.KpiMeasurementFactory(enterprise=reported, period=previous_month(today))
    factories.EnrolmentFactory(enterprise=world.tuv_enterprise, status="classroom")
    return overdue


def test_partner_home_lists_work_in_progress_overdue_visits_and_missing_kpis(client, world, work):
    client.force_login(world.users.sgs_staff)
    context = client.get("/").context
    assert context["enrolments_in_progress"].total == 2
    assert [e.enterprise for e in context["overdue_follow_ups"].items] == [world.sgs_enterprise]
    assert [e.name for e in context["missing_kpis"].items] == ["Guangzhou Garments"]
    assert context["reporting_month"] == previous_month(timezone.localdate())


def test_ilo_home_counts_every_partners_work(client, world, work):
    client.force_login(world.users.ilo_officer)
    context = client.get("/").context
    assert context["enrolments_in_progress"].total == 3
    assert {e.name for e in context["missing_kpis"].items} == {
        "Guangzhou Garments",
        "Shenzhen Electronics",
    }


def test_a_brand_home_counts_its_granted_suppliers_only(client, world, work):
    client.force_login(world.users.inditex_viewer)
    response = client.get("/")
    assert response.context["supplier_count"] == 1
    assert "enrolments_in_progress" not in response.context
    assert b"Register an enterprise" not in response.content


def test_a_login_without_a_role_sees_a_notice_and_nothing_else(client, world, work):
    client.force_login(world.users.no_role)
    response = client.get("/")
    assert b"no role" in response.content
    assert b"Enterprises</a>" not in response.content


@pytest.mark.parametrize(
    ("user", "links", "absent"),
    [
        ("sgs_manager", ["Enterprises", "Classroom sessions", "Imports"], ["Administration"]),
        ("sgs_staff", ["Enterprises", "Improvement projects"], ["Administration"]),
        ("ilo_admin", ["Enterprises", "Administration"], []),
        ("inditex_viewer", ["Suppliers"], ["Classroom sessions", "Imports"]),
    ],
)
def test_the_navigation_bar_fits_the_role(client, world, user, links, absent):
    client.force_login(getattr(world.users, user))
    html = client.get("/").content.decode()
    for link in links:
        assert f">{link}</a>" in html
    for link in absent:
        assert f">{link}</a>" not in html


def test_pages_carry_no_inline_script_and_give_htmx_the_csrf_token(client, world):
    client.force_login(world.users.sgs_staff)
    html = client.get(reverse("enterprises:enterprise-detail", args=[world.sgs_enterprise.pk]))
    text = html.content.decode()
    scripts = [chunk.split(">", 1)[0] for chunk in text.split("<script")[1:]]
    assert scripts and all(" src=" in tag or 'type="application/json"' in tag for tag in scripts)
    assert " onclick=" not in text and " onchange=" not in text
    assert 'hx-headers=\'{"X-CSRFToken": "' in text
    # No CDN or other origin: every script and stylesheet is served by the platform itself.
    # (A substring test for "cdn" also matched random CSRF tokens.)
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', text)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets)


def test_the_month_partners_report_next_is_the_one_before_today():
    assert previous_month(date(2025, 3, 15)) == date(2025, 2, 1)
    assert previous_month(date(2025, 1, 31)) == date(2024, 12, 1)
