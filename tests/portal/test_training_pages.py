"""Enrolment, classroom session and attendance grid, visits and improvement projects."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Participant
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
)
from tests import factories
from tests.factories import module

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def enrol_url(enterprise):
    return reverse("modules:enrolment-create", args=[enterprise.pk])


def enrolment_data(code="WCO", started_on="2024-03-01", **extra):
    return {"module": module(code).pk, "started_on": started_on, "fee_currency": "USD", **extra}


# --- enrolment --------------------------------------------------------------------------


def test_staff_enrol_an_enterprise_with_its_fee_and_who_paid(client, world):
    client.force_login(world.users.sgs_staff)
    response = client.post(
        enrol_url(world.sgs_enterprise),
        enrolment_data(lead_trainer=world.sgs_trainer.pk, fee_amount="1500", paid_by="brand"),
    )
    enrolment = Enrolment.objects.get()
    assert response.url == reverse("modules:enrolment-detail", args=[enrolment.pk])
    assert (enrolment.partner, enrolment.fee_amount, enrolment.paid_by) == (
        world.sgs,
        1500,
        "brand",
    )


def test_the_foundation_rule_and_the_licence_are_clear_form_errors(client, world):
    client.force_login(world.users.sgs_staff)
    first = client.post(enrol_url(world.sgs_enterprise), enrolment_data("QM"))
    assert "Workplace Cooperation comes first" in " ".join(first.context["form"].errors["module"])
    world.sgs_licence.status = "suspended"
    world.sgs_licence.save()
    second = client.post(enrol_url(world.sgs_enterprise), enrolment_data())
    assert "no active licence" in " ".join(second.context["form"].errors["started_on"])
    assert not Enrolment.objects.exists()


def test_a_lead_trainer_of_another_partner_is_not_even_offered(client, world):
    client.force_login(world.users.sgs_staff)
    response = client.post(
        enrol_url(world.sgs_enterprise), enrolment_data(lead_trainer=world.tuv_trainer.pk)
    )
    assert "valid choice" in " ".join(response.context["form"].errors["lead_trainer"])


def test_the_status_moves_forward_only_and_withdrawing_ends_it(client, world):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise, status="classroom")
    url = reverse("modules:enrolment-advance", args=[enrolment.pk])
    client.force_login(world.users.sgs_staff)
    client.post(url, {"status": "planned"})
    enrolment.refresh_from_db()
    assert enrolment.status == "classroom"
    client.post(url, {"status": "completed", "completed_on": "2024-05-01"})
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completed_on) == ("completed", date(2024, 5, 1))
    client.post(url, {"status": "withdrawn"})
    enrolment.refresh_from_db()
    assert enrolment.status == "withdrawn"
    page = client.get(reverse("modules:enrolment-detail", args=[enrolment.pk]))
    assert [step["status"] for step in page.context["timeline"]] == [
        "classroom",
        "completed",
        "withdrawn",
    ]
    assert page.context["forward_statuses"] == []


def test_a_refused_status_change_is_reported_not_saved(client, world):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise, status="consulting")
    client.force_login(world.users.sgs_staff)
    response = client.post(
        reverse("modules:enrolment-advance", args=[enrolment.pk]),
        {"status": "planned"},
        follow=True,
    )
    assert "forward only" in response.content.decode()


def test_enrolment_pages_answer_404_outside_the_scope_and_403_to_brands(client, world):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    urls = [
        reverse("modules:enrolment-detail", args=[enrolment.pk]),
        reverse("modules:enrolment-update", args=[enrolment.pk]),
        reverse("modules:visit-create", args=[enrolment.pk]),
        reverse("modules:improvement-project-create", args=[enrolment.pk]),
    ]
    client.force_login(world.users.tuv_manager)
    for url in urls + [enrol_url(world.sgs_enterprise)]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("modules:enrolment-advance", args=[enrolment.pk]), {}).status_code
        == 404
    )
    client.force_login(world.users.inditex_viewer)
    for url in urls + [reverse("modules:enrolment-list")]:
        assert client.get(url).status_code == 403, url
    assert client.get(enrol_url(world.sgs_enterprise)).status_code == 403


def test_the_enrolment_list_filters_in_progress_and_overdue(client, world):
    long_ago = timezone.localdate() - timedelta(days=200)
    overdue = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, status="consulting", started_on=long_ago
    )
    session = factories.ClassroomSessionFactory(
        partner=world.sgs, starts_on=long_ago, ends_on=long_ago + timedelta(days=1)
    )
    factories.AttendanceFactory(
        session=session, participant=factories.ParticipantFactory(enterprise=world.sgs_enterprise)
    )
    done = factories.EnterpriseFactory(partner=world.sgs)
    factories.EnrolmentFactory(enterprise=done, status="completed", completed_on=date(2024, 6, 1))
    client.force_login(world.users.sgs_staff)
    url = reverse("modules:enrolment-list")
    assert list(client.get(url + "?status=in_progress").context["object_list"]) == [overdue]
    overdue_page = client.get(url + "?overdue=true")
    assert list(overdue_page.context["object_list"]) == [overdue]
    assert overdue_page.context["overdue_ids"] == {overdue.pk}
    assert len(client.get(url).context["object_list"]) == 2
    csv = b"".join(client.get(url + "?export=csv").streaming_content).decode("utf-8-sig")
    assert csv.count("\n") == 3


# --- classroom sessions and attendance ----------------------------------------------------


@pytest.fixture
def enrolled(world):
    """Two SGS enterprises in Workplace Cooperation, and a session to record."""
    other = factories.EnterpriseFactory(name="Foshan Furniture", partner=world.sgs)
    for enterprise in (world.sgs_enterprise, other):
        factories.EnrolmentFactory(enterprise=enterprise, status="classroom")
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    session.trainers.set([world.sgs_trainer])
    return session, other


def test_only_trainers_certified_for_the_module_on_the_date_are_offered(client, world):
    candidate = factories.TrainerFactory(organisation=world.sgs, full_name="Candidate Chen")
    factories.CertificationFactory(trainer=candidate, module=module("WCO"), level="candidate")
    late = factories.TrainerFactory(organisation=world.sgs, full_name="Late Lu")
    factories.CertificationFactory(trainer=late, module=module("WCO"), awarded_on=date(2024, 6, 1))
    client.force_login(world.users.sgs_staff)
    url = reverse("modules:classroom-session-trainer-options")
    offered = client.get(url, {"module": module("WCO").pk, "starts_on": "2024-03-01"}, **HTMX)
    names = {trainer.full_name for trainer in offered.context["form"].fields["trainers"].queryset}
    assert names == {"Li Wei"}
    later = client.get(url, {"module": module("WCO").pk, "starts_on": "2024-07-01"}, **HTMX)
    assert {t.full_name for t in later.context["form"].fields["trainers"].queryset} == {
        "Li Wei",
        "Late Lu",
    }
    assert b"No trainer to offer" in client.get(url, **HTMX).content


def test_staff_record_a_session_and_a_trainer_not_offered_is_refused(client, world):
    client.force_login(world.users.sgs_staff)
    url = reverse("modules:classroom-session-create")
    data = {
        "module": module("WCO").pk,
        "starts_on": "2024-03-04",
        "ends_on": "2024-03-05",
        "venue": "Hall",
        "city": "Guangzhou",
        "country": "CN",
    }
    refused = client.post(url, {**data, "trainers": [world.tuv_trainer.pk]})
    assert "trainers" in refused.context["form"].errors
    backwards = client.post(
        url, {**data, "ends_on": "2024-03-01", "trainers": [world.sgs_trainer.pk]}
    )
    assert "cannot end before it starts" in " ".join(backwards.context["form"].errors["ends_on"])
    assert not ClassroomSession.objects.exists()
    saved = client.post(url, {**data, "trainers": [world.sgs_trainer.pk]})
    session = ClassroomSession.objects.get()
    assert saved.url == reverse("modules:classroom-session-detail", args=[session.pk])
    assert session.partner == world.sgs and list(session.trainers.all()) == [world.sgs_trainer]


def test_the_attendance_grid_adds_an_enterprise_and_records_days_by_htmx(client, world, enrolled):
    session, other = enrolled
    person = factories.ParticipantFactory(enterprise=other, full_name="Huang Li")
    client.force_login(world.users.sgs_staff)
    block = client.get(
        reverse("modules:attendance-enterprise", args=[session.pk]),
        {"enterprise": other.pk},
        **HTMX,
    )
    assert b"Huang Li" in block.content and not Attendance.objects.exists()
    record = reverse("modules:attendance-record", args=[session.pk])
    row = client.post(record, {"participant": person.pk, "days_attended": "2"}, **HTMX)
    assert b"Saved" in row.content and b"<tr" in row.content
    assert Attendance.objects.get().days_attended == 2
    too_many = client.post(record, {"participant": person.pk, "days_attended": "3"}, **HTMX)
    assert b"table-danger" in too_many.content
    assert Attendance.objects.get().days_attended == 2
    client.post(record, {"participant": person.pk, "days_attended": ""}, **HTMX)
    assert not Attendance.objects.exists()
    grid = client.get(reverse("modules:classroom-session-detail", args=[session.pk])).context
    assert grid["grid"] == []
    assert {e.name for e in grid["addable_enterprises"]} == {
        "Guangzhou Garments",
        "Foshan Furniture",
    }


def test_a_participant_added_inline_is_saved_with_the_attendance_or_not_at_all(
    client, world, enrolled
):
    session, other = enrolled
    client.force_login(world.users.sgs_staff)
    url = reverse("modules:attendance-participant-create", args=[session.pk, other.pk])
    data = {
        "full_name": "Xu Hui",
        "role": "worker",
        "gender": "female",
        "contract": "temporary",
        "is_eit_member": "on",
        "days_attended": "2",
    }
    block = client.post(url, data, **HTMX)
    assert b"Xu Hui" in block.content
    attendance = Attendance.objects.get()
    assert (attendance.participant.full_name, attendance.days_attended) == ("Xu Hui", 2)
    Enrolment.objects.filter(enterprise=other).update(status="withdrawn")
    refused = client.post(url, {**data, "full_name": "Not Enrolled"}, **HTMX)
    assert refused.status_code == 404  # no longer an enterprise of this session's module
    assert not Participant.objects.filter(full_name="Not Enrolled").exists()


def test_attendance_for_another_partners_participant_is_a_404(client, world, enrolled):
    session, _other = enrolled
    stranger = factories.ParticipantFactory(enterprise=world.tuv_enterprise)
    client.force_login(world.users.sgs_staff)
    response = client.post(
        reverse("modules:attendance-record", args=[session.pk]),
        {"participant": stranger.pk, "days_attended": "1"},
        **HTMX,
    )
    assert response.status_code == 404
    assert (
        client.get(
            reverse("modules:attendance-enterprise", args=[session.pk]),
            {"enterprise": world.tuv_enterprise.pk},
            **HTMX,
        ).status_code
        == 404
    )
    assert not Attendance.objects.exists()


def test_session_pages_are_404_for_another_partner_and_403_for_brands(client, world, enrolled):
    session, other = enrolled
    urls = [
        reverse("modules:classroom-session-detail", args=[session.pk]),
        reverse("modules:classroom-session-update", args=[session.pk]),
    ]
    client.force_login(world.users.tuv_manager)
    for url in urls:
        assert client.get(url).status_code == 404
    assert (
        client.post(
            reverse("modules:attendance-participant-create", args=[session.pk, other.pk]), {}
        ).status_code
        == 404
    )
    assert (
        session not in client.get(reverse("modules:classroom-session-list")).context["object_list"]
    )
    client.force_login(world.users.inditex_viewer)
    assert client.get(urls[0]).status_code == 404  # brands see no sessions at all
    assert client.get(reverse("modules:classroom-session-create")).status_code == 403
    assert client.get(reverse("modules:classroom-session-list")).status_code == 403


def test_a_session_is_edited_with_its_trainers(client, world, enrolled):
    session, _other = enrolled
    client.force_login(world.users.sgs_staff)
    url = reverse("modules:classroom-session-update", args=[session.pk])
    response = client.post(
        url,
        {
            "starts_on": "2024-02-05",
            "ends_on": "2024-02-06",
            "venue": "New hall",
            "city": "Guangzhou",
            "country": "CN",
            "trainers": [world.sgs_trainer.pk],
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.venue == "New hall"


# --- visits and projects ----------------------------------------------------------------


def test_staff_log_a_visit_and_a_future_date_is_refused(client, world):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise, status="consulting")
    client.force_login(world.users.sgs_staff)
    url = reverse("modules:visit-create", args=[enrolment.pk])
    data = {
        "kind": "follow_up",
        "trainer": world.sgs_trainer.pk,
        "duration_hours": "4",
        "eit_members_present": "3",
        "summary": "",
        "next_steps": "",
    }
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    refused = client.post(url, {**data, "visited_on": future})
    assert "future" in " ".join(refused.context["form"].errors["visited_on"])
    client.post(url, {**data, "visited_on": "2024-03-01"})
    visit = ConsultationVisit.objects.get()
    assert visit.trainer == world.sgs_trainer
    edit = reverse("modules:visit-update", args=[visit.pk])
    client.post(edit, {**data, "visited_on": "2024-03-02", "duration_hours": "25"})
    visit.refresh_from_db()
    assert visit.visited_on == date(2024, 3, 1)
    client.force_login(world.users.tuv_manager)
    assert client.get(edit).status_code == 404


def test_projects_are_added_moved_on_the_board_and_past_due_ones_flagged(client, world):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise, status="consulting")
    client.force_login(world.users.sgs_staff)
    client.post(
        reverse("modules:improvement-project-create", args=[enrolment.pk]),
        {
            "title": "Cut waste at cutting",
            "owner_name": "Li",
            "due_on": "2024-01-31",
            "status": "open",
            "savings_currency": "USD",
            "savings_estimate": "-5",
        },
    )
    assert not ImprovementProject.objects.exists()
    client.post(
        reverse("modules:improvement-project-create", args=[enrolment.pk]),
        {
            "title": "Cut waste at cutting",
            "owner_name": "Li",
            "due_on": "2024-01-31",
            "status": "open",
            "savings_currency": "USD",
        },
    )
    project = ImprovementProject.objects.get()
    board = client.get(reverse("modules:improvement-project-board"))
    assert b"project-past-due" in board.content
    columns = dict(
        (status.value, projects) for status, projects in board.context["projects_by_status"]
    )
    assert columns["open"] == [project]
    client.post(
        reverse("modules:improvement-project-move", args=[project.pk]),
        {"status": "done", "next": "https://evil.example/"},
    )
    project.refresh_from_db()
    assert project.status == "done"
    assert (
        b"project-past-due" not in client.get(reverse("modules:improvement-project-board")).content
    )
    assert (
        list(
            client.get(reverse("modules:improvement-project-board") + "?overdue=true").context[
                "projects_by_status"
            ][2][1]
        )
        == []
    )
    client.force_login(world.users.tuv_manager)
    assert (
        client.post(
            reverse("modules:improvement-project-move", args=[project.pk]), {"status": "open"}
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("modules:improvement-project-board")).context["projects_by_status"][2][1]
        == []
    )
    client.force_login(world.users.inditex_viewer)
    assert client.get(reverse("modules:improvement-project-board")).status_code == 403


def test_moving_a_project_sends_the_user_back_only_to_this_site(client, world):
    project = factories.ImprovementProjectFactory(
        enrolment=factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    )
    client.force_login(world.users.sgs_staff)
    url = reverse("modules:improvement-project-move", args=[project.pk])
    outside = client.post(url, {"status": "in_progress", "next": "https://evil.example/"})
    assert outside.url == reverse("modules:enrolment-detail", args=[project.enrolment_id])
    inside = client.post(url, {"status": "open", "next": "/training/projects/"})
    assert inside.url == "/training/projects/"
