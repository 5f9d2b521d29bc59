"""The ILO admin: who gets in, what each ILO role may do, and that writes obey the services."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.db import connection
from django.forms import CheckboxInput
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Enterprise, Participant
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
)
from partners.models import Licence, Membership, Organisation, Role, SupplierLink
from reports.aggregation.recompute import recompute_all
from reports.models import (
    AggregationRun,
    EnterpriseKpiResult,
    KpiMeasurement,
    KpiSummary,
    ReachSummary,
)
from score_platform.admin import ServiceWritesMixin
from tests import factories
from trainers.models import Certification, Trainer

# --- an example object for every model the admin shows -------------------------------------


def _token(world):
    from rest_framework.authtoken.models import Token, TokenProxy

    Token.objects.create(user=world.users.sgs_staff)
    return TokenProxy.objects.get(user=world.users.sgs_staff)


def _axes_fields():
    return {
        "user_agent": "pytest",
        "ip_address": "127.0.0.1",
        "username": "sgs.staff",
        "http_accept": "text/html",
        "path_info": "/admin/login/",
    }


def _access_attempt(world):
    from axes.models import AccessAttempt

    return AccessAttempt.objects.create(
        **_axes_fields(), get_data="", post_data="", failures_since_start=1
    )


def _access_log(world):
    from axes.models import AccessLog

    return AccessLog.objects.create(**_axes_fields())


def _access_failure_log(world):
    from axes.models import AccessFailureLog

    return AccessFailureLog.objects.create(**_axes_fields())


def _interval(world):
    from django_celery_beat.models import IntervalSchedule

    return IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)


def _crontab(world):
    from django_celery_beat.models import CrontabSchedule

    return CrontabSchedule.objects.create(minute="0", hour="3")


def _solar(world):
    from django_celery_beat.models import SolarSchedule

    return SolarSchedule.objects.create(event="sunrise", latitude=46.2, longitude=6.1)


def _clocked(world):
    from django_celery_beat.models import ClockedSchedule

    return ClockedSchedule.objects.create(clocked_time=timezone.now())


def _periodic_task(world):
    from django_celery_beat.models import PeriodicTask

    return PeriodicTask.objects.create(
        name="nightly ping", task="score_platform.ping", interval=_interval(world)
    )


def _computed(world, model):
    """A computed row of ``model``: the world's SGS enterprise reports defects, then a rebuild."""
    from tests.kpi_helpers import series

    if not EnterpriseKpiResult.objects.filter(enterprise=world.sgs_enterprise).exists():
        series(world.sgs_enterprise, "defect_rate", "12.5", "4.5")
        recompute_all()
    return model.objects.first()


def _enrolment(world):
    return factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, lead_trainer=world.sgs_trainer
    )


def _session(world):
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    session.trainers.set([world.sgs_trainer])
    return session


EXAMPLES = {
    "auth.User": lambda world: world.users.sgs_staff,
    "authtoken.TokenProxy": _token,
    "axes.AccessAttempt": _access_attempt,
    "axes.AccessLog": _access_log,
    "axes.AccessFailureLog": _access_failure_log,
    "django_celery_beat.IntervalSchedule": _interval,
    "django_celery_beat.CrontabSchedule": _crontab,
    "django_celery_beat.SolarSchedule": _solar,
    "django_celery_beat.ClockedSchedule": _clocked,
    "django_celery_beat.PeriodicTask": _periodic_task,
    "partners.Organisation": lambda world: world.sgs,
    "partners.Membership": lambda world: world.users.sgs_staff.memberships.get(),
    "partners.Licence": lambda world: world.sgs_licence,
    "partners.SupplierLink": lambda world: world.sgs_enterprise.supplier_links.get(),
    "enterprises.Enterprise": lambda world: world.sgs_enterprise,
    "enterprises.Participant": lambda world: factories.ParticipantFactory(
        enterprise=world.sgs_enterprise
    ),
    "modules.TrainingModule": lambda world: factories.module("WCO"),
    "modules.Enrolment": _enrolment,
    "modules.ClassroomSession": _session,
    "modules.Attendance": lambda world: factories.AttendanceFactory(
        session=_session(world),
        participant=factories.ParticipantFactory(enterprise=world.sgs_enterprise),
    ),
    "modules.ConsultationVisit": lambda world: factories.VisitFactory(
        enrolment=_enrolment(world), trainer=world.sgs_trainer
    ),
    "modules.ImprovementProject": lambda world: factories.ImprovementProjectFactory(
        enrolment=_enrolment(world)
    ),
    "trainers.Trainer": lambda world: world.sgs_trainer,
    "trainers.Certification": lambda world: world.sgs_trainer.certifications.first(),
    "reports.Indicator": lambda world: factories.indicator("defect_rate"),
    "reports.KpiMeasurement": lambda world: factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, is_baseline=True
    ),
    "reports.EnterpriseKpiResult": lambda world: _computed(world, EnterpriseKpiResult),
    "reports.KpiSummary": lambda world: _computed(world, KpiSummary),
    "reports.ReachSummary": lambda world: _computed(world, ReachSummary),
    "reports.AggregationRun": lambda world: _computed(world, AggregationRun),
}

# Admins that add nothing by design: brands request supplier links themselves, the
# login records are written by django-axes, and the computed tables by the aggregation.
COMPUTED = {
    "reports.EnterpriseKpiResult",
    "reports.KpiSummary",
    "reports.ReachSummary",
    "reports.AggregationRun",
}
NOT_ADDED_IN_THE_ADMIN = {
    "partners.SupplierLink",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
    *COMPUTED,
}

User = get_user_model()
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, action, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def change_url(obj):
    return admin_url(type(obj), "change", quote(obj.pk))


def test_every_registered_model_has_an_example_object():
    assert {model._meta.label for model in REGISTERED} == set(EXAMPLES)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_ilo_admin_opens_changelist_add_and_change_pages(client, world, model):
    example = EXAMPLES[model._meta.label](world)
    client.force_login(world.users.ilo_admin)

    assert client.get(admin_url(model, "changelist")).status_code == 200
    expected_add = 403 if model._meta.label in NOT_ADDED_IN_THE_ADMIN else 200
    assert client.get(admin_url(model, "add")).status_code == expected_add
    assert client.get(change_url(example)).status_code == 200
    if hasattr(model, "history"):
        assert client.get(admin_url(model, "history", quote(example.pk))).status_code == 200


DOMAIN_ADMINS = [
    model for model in REGISTERED if isinstance(admin.site._registry[model], ServiceWritesMixin)
]


@pytest.mark.parametrize("model", DOMAIN_ADMINS, ids=lambda model: model._meta.label)
def test_rights_come_from_the_role_not_from_superuser_status(client, world, model):
    example = EXAMPLES[model._meta.label](world)
    administrator = factories.user_with_role(
        "ilo.second.admin", world.ilo, Role.ILO_ADMIN, is_staff=True
    )
    client.force_login(administrator)
    assert client.get(admin_url(model, "changelist")).status_code == 200
    expected_add = 403 if model._meta.label in NOT_ADDED_IN_THE_ADMIN else 200
    assert client.get(admin_url(model, "add")).status_code == expected_add
    response = client.get(change_url(example))
    assert response.status_code == 200
    if model._meta.label not in NOT_ADDED_IN_THE_ADMIN:
        assert response.context["title"].startswith("Change")


# access.md: an ILO officer changes the progress data, not licences, certifications, users.
OFFICER_CHANGES = {
    "enterprises.Enterprise",
    "enterprises.Participant",
    "modules.Enrolment",
    "modules.ClassroomSession",
    "modules.Attendance",
    "modules.ConsultationVisit",
    "modules.ImprovementProject",
    "reports.KpiMeasurement",
}


@pytest.mark.parametrize("model", DOMAIN_ADMINS, ids=lambda model: model._meta.label)
def test_ilo_officer_views_everything_and_changes_only_progress_data(client, world, model):
    example = EXAMPLES[model._meta.label](world)
    client.force_login(world.users.ilo_officer)
    may_change = model._meta.label in OFFICER_CHANGES
    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "add")).status_code == (200 if may_change else 403)
    response = client.get(change_url(example))
    assert response.status_code == 200
    assert response.context["title"].startswith("Change" if may_change else "View")


def test_admin_index_lists_the_programme_apps_for_ilo_staff(client, world):
    client.force_login(world.users.ilo_officer)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    labels = {
        model["object_name"] for app in response.context["app_list"] for model in app["models"]
    }
    assert {"Enterprise", "KpiMeasurement", "Licence", "Certification", "User"} <= labels


def test_inlines_appear_on_change_pages_only(client, world):
    client.force_login(world.users.ilo_admin)
    add_page = client.get(admin_url(Enterprise, "add"))
    change_page = client.get(change_url(world.sgs_enterprise))
    assert add_page.context["inline_admin_formsets"] == []
    assert [inline.formset.prefix for inline in change_page.context["inline_admin_formsets"]] == [
        "participants",
        "kpi_measurements",
    ]


def test_autocomplete_finds_enterprises_for_ilo_staff(client, world):
    client.force_login(world.users.ilo_officer)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "modules",
            "model_name": "enrolment",
            "field_name": "enterprise",
            "term": "Garments",
        },
    )
    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Guangzhou Garments"]


# --- strangers ----------------------------------------------------------------------------

STRANGERS = ["sgs_manager", "sgs_staff", "inditex_viewer", "no_role"]


def stranger_pages(world):
    return [
        reverse("admin:index"),
        admin_url(Enterprise, "changelist"),
        change_url(world.sgs_enterprise),
        admin_url(Enterprise, "add"),
        reverse("admin:autocomplete")
        + "?app_label=modules&model_name=enrolment&field_name=enterprise&term=Guangzhou",
    ]


def assert_sent_to_login(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_anonymous_is_sent_to_the_admin_login(client, world):
    for page in stranger_pages(world):
        assert_sent_to_login(client.get(page))


@pytest.mark.parametrize("persona", STRANGERS)
def test_partner_brand_and_roleless_users_are_sent_to_the_admin_login(client, world, persona):
    client.force_login(getattr(world.users, persona))
    for page in stranger_pages(world):
        assert_sent_to_login(client.get(page))


@pytest.mark.parametrize("persona", STRANGERS)
def test_the_staff_flag_alone_does_not_open_the_admin(client, world, persona):
    user = getattr(world.users, persona)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    for page in stranger_pages(world):
        assert_sent_to_login(client.get(page))


def test_a_partner_cannot_post_to_the_admin(client, world):
    user = world.users.sgs_manager
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    response = client.post(change_url(world.sgs_enterprise), {"name": "Taken over"})
    assert_sent_to_login(response)
    world.sgs_enterprise.refresh_from_db()
    assert world.sgs_enterprise.name == "Guangzhou Garments"


def test_admin_login_refuses_a_partner_with_the_staff_flag(client, world):
    user = world.users.sgs_manager
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    response = client.post(
        reverse("admin:login"), {"username": "sgs.manager", "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_admin_login_admits_an_ilo_officer(client, world):
    response = client.post(
        reverse("admin:login"),
        {"username": "ilo.officer", "password": factories.PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.users.ilo_officer.pk)


# --- what an ILO officer may do -----------------------------------------------------------


def test_ilo_officer_can_view_licences(client, world):
    client.force_login(world.users.ilo_officer)
    assert client.get(admin_url(Licence, "changelist")).status_code == 200
    response = client.get(change_url(world.sgs_licence))
    assert response.status_code == 200
    assert response.context["title"].startswith("View")


def test_ilo_officer_gets_403_adding_or_changing_a_licence(client, world):
    client.force_login(world.users.ilo_officer)
    assert client.get(admin_url(Licence, "add")).status_code == 403
    data = form_values(client.get(change_url(world.sgs_licence)))
    data["status"] = Licence.Status.SUSPENDED
    assert client.post(change_url(world.sgs_licence), data).status_code == 403
    assert client.post(admin_url(Licence, "add"), data).status_code == 403
    world.sgs_licence.refresh_from_db()
    assert world.sgs_licence.status == Licence.Status.ACTIVE


def test_ilo_officer_gets_403_deleting_a_licence(client, world):
    client.force_login(world.users.ilo_officer)
    response = client.post(admin_url(Licence, "delete", world.sgs_licence.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Licence.objects.filter(pk=world.sgs_licence.pk).exists()


def test_ilo_officer_can_change_an_enterprise(client, world):
    client.force_login(world.users.ilo_officer)
    url = change_url(world.sgs_enterprise)
    data = form_values(client.get(url))
    data["city"] = "Foshan"
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    world.sgs_enterprise.refresh_from_db()
    assert world.sgs_enterprise.city == "Foshan"
    assert world.sgs_enterprise.history.first().history_user == world.users.ilo_officer


# --- the services' rules show as form errors, and nothing is saved --------------------------


def form_values(response) -> dict:
    """What the browser would post back: the change form and its inline formsets as shown."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if isinstance(bound.field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif value is None:
                data[bound.html_name] = ""
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = str(value)
    return data


def errors_of(response) -> dict:
    """Every error on the page: the main form's and each inline row's, by field."""
    if response.context is None or "adminform" not in response.context:
        return {}
    errors = dict(response.context["adminform"].form.errors)
    for inline in response.context["inline_admin_formsets"]:
        for number, form in enumerate(inline.formset.forms):
            for field, messages in form.errors.items():
                errors[f"{inline.formset.prefix}-{number}-{field}"] = messages
    return errors


def test_admin_add_of_an_enrolment_the_licence_does_not_cover_shows_the_error(client, world):
    vietnam = factories.EnterpriseFactory(name="Hanoi Knitwear", partner=world.sgs, country="VN")
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(Enrolment, "add"),
        {
            "enterprise": vietnam.pk,
            "module": factories.module("WCO").pk,
            "status": Enrolment.Status.PLANNED,
            "started_on": "2024-03-01",
            "fee_currency": "USD",
        },
    )
    assert response.status_code == 200
    assert "no active licence covering" in " ".join(errors_of(response)["started_on"])
    assert not Enrolment.objects.filter(enterprise=vietnam).exists()


def test_admin_add_of_an_enrolment_the_licence_covers_goes_through(client, world):
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(Enrolment, "add"),
        {
            "enterprise": world.sgs_enterprise.pk,
            "module": factories.module("WCO").pk,
            "status": Enrolment.Status.PLANNED,
            "started_on": "2024-03-01",
            "lead_trainer": world.sgs_trainer.pk,
            "fee_currency": "USD",
        },
    )
    assert response.status_code == 302, errors_of(response)
    enrolment = Enrolment.objects.get(enterprise=world.sgs_enterprise)
    assert enrolment.partner == world.sgs
    assert enrolment.history.first().history_user == world.users.ilo_admin


def test_admin_enrolment_with_an_uncertified_lead_trainer_shows_the_error(client, world):
    candidate = factories.TrainerFactory(organisation=world.sgs, full_name="New Trainer")
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(Enrolment, "add"),
        {
            "enterprise": world.sgs_enterprise.pk,
            "module": factories.module("WCO").pk,
            "status": Enrolment.Status.PLANNED,
            "started_on": "2024-03-01",
            "lead_trainer": candidate.pk,
            "fee_currency": "USD",
        },
    )
    assert response.status_code == 200
    assert "is not a certified trainer" in " ".join(errors_of(response)["lead_trainer"])
    assert not Enrolment.objects.exists()


def test_admin_enrolment_before_the_foundation_module_shows_the_error(client, world):
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(Enrolment, "add"),
        {
            "enterprise": world.sgs_enterprise.pk,
            "module": factories.module("QM").pk,
            "status": Enrolment.Status.PLANNED,
            "started_on": "2024-03-01",
            "fee_currency": "USD",
        },
    )
    assert response.status_code == 200
    assert "Workplace Cooperation comes first" in " ".join(errors_of(response)["module"])
    assert not Enrolment.objects.exists()


def test_admin_enrolment_status_cannot_go_backwards(client, world):
    enrolment = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise, status=Enrolment.Status.CONSULTING
    )
    client.force_login(world.users.ilo_admin)
    url = change_url(enrolment)
    data = form_values(client.get(url))
    data["status"] = Enrolment.Status.CLASSROOM
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Status moves forward only" in " ".join(errors_of(response)["status"])
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONSULTING


def test_admin_enterprise_with_more_women_than_employees_shows_the_error(client, world):
    client.force_login(world.users.ilo_admin)
    url = change_url(world.sgs_enterprise)
    data = form_values(client.get(url))
    data["employees_female"] = "250"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cannot exceed the total" in " ".join(errors_of(response)["employees_female"])
    world.sgs_enterprise.refresh_from_db()
    assert world.sgs_enterprise.employees_female == 120


def test_admin_second_baseline_shows_the_error(client, world):
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=date(2024, 1, 1), is_baseline=True
    )
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(KpiMeasurement, "add"),
        {
            "enterprise": world.sgs_enterprise.pk,
            "indicator": factories.indicator("defect_rate").pk,
            "period": "2024-02-01",
            "value": "9",
            "is_baseline": "on",
            "source": KpiMeasurement.Source.RECORDS,
        },
    )
    assert response.status_code == 200
    assert "already has a Defective products baseline" in " ".join(
        errors_of(response)["is_baseline"]
    )
    assert KpiMeasurement.objects.count() == 1


def test_admin_inline_kpi_measurement_above_100_percent_shows_the_error(client, world):
    client.force_login(world.users.ilo_admin)
    url = change_url(world.sgs_enterprise)
    data = form_values(client.get(url))
    data.update(
        {
            "kpi_measurements-TOTAL_FORMS": "1",
            "kpi_measurements-0-indicator": str(factories.indicator("defect_rate").pk),
            "kpi_measurements-0-period": "2024-01-01",
            "kpi_measurements-0-value": "120",
            "kpi_measurements-0-source": KpiMeasurement.Source.RECORDS,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "at most 100" in " ".join(errors_of(response)["kpi_measurements-0-value"])
    assert not KpiMeasurement.objects.exists()


def test_admin_inline_kpi_measurement_is_recorded_by_the_service(client, world):
    client.force_login(world.users.ilo_admin)
    url = change_url(world.sgs_enterprise)
    data = form_values(client.get(url))
    data.update(
        {
            "kpi_measurements-TOTAL_FORMS": "1",
            "kpi_measurements-0-indicator": str(factories.indicator("defect_rate").pk),
            "kpi_measurements-0-period": "2024-01-01",
            "kpi_measurements-0-value": "12.5",
            "kpi_measurements-0-is_baseline": "on",
            "kpi_measurements-0-source": KpiMeasurement.Source.RECORDS,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    measurement = KpiMeasurement.objects.get()
    assert measurement.reported_by == world.users.ilo_admin
    assert measurement.history.get().history_user == world.users.ilo_admin


def test_admin_inline_existing_row_cannot_change_its_frozen_fields(client, world):
    measurement = factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise)
    client.force_login(world.users.ilo_admin)
    url = change_url(world.sgs_enterprise)
    data = form_values(client.get(url))
    data["kpi_measurements-0-indicator"] = str(factories.indicator("waste").pk)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cannot be changed once recorded" in " ".join(
        errors_of(response)["kpi_measurements-0-indicator"]
    )
    measurement.refresh_from_db()
    assert measurement.indicator.code == "defect_rate"


def test_two_baselines_in_one_submission_save_nothing_and_say_why(client, world):
    # Each row is valid against the stored data; the conflict shows only when the service
    # writes the second one, and then the whole submission is rolled back.
    client.force_login(world.users.ilo_admin)
    url = change_url(world.sgs_enterprise)
    data = form_values(client.get(url))
    data["kpi_measurements-TOTAL_FORMS"] = "2"
    for number, period in enumerate(["2024-01-01", "2024-02-01"]):
        prefix = f"kpi_measurements-{number}-"
        data[prefix + "indicator"] = str(factories.indicator("defect_rate").pk)
        data[prefix + "period"] = period
        data[prefix + "value"] = "10"
        data[prefix + "is_baseline"] = "on"
        data[prefix + "source"] = KpiMeasurement.Source.RECORDS
    response = client.post(url, data, follow=True)
    assert response.redirect_chain == [(url, 302)]
    shown = [str(message) for message in response.context["messages"]]
    assert any("already has a Defective products baseline" in message for message in shown)
    assert not KpiMeasurement.objects.exists()


def test_admin_kpi_inline_shows_only_the_newest_months(client, world):
    months = [date(2021 + number // 12, number % 12 + 1, 1) for number in range(30)]
    factories.KpiMeasurementFactory.create_batch(
        30, enterprise=world.sgs_enterprise, period=factories.factory.Iterator(months)
    )
    client.force_login(world.users.ilo_admin)
    response = client.get(change_url(world.sgs_enterprise))
    inline = response.context["inline_admin_formsets"][1].formset
    periods = [form.instance.period for form in inline.initial_forms]
    assert len(periods) == 24
    assert periods == sorted(periods, reverse=True)
    assert periods[0] == months[-1]


def test_admin_session_with_an_uncertified_trainer_shows_the_error(client, world):
    candidate = factories.TrainerFactory(organisation=world.sgs, full_name="New Trainer")
    client.force_login(world.users.ilo_admin)
    data = {
        "module": factories.module("WCO").pk,
        "partner": world.sgs.pk,
        "trainers": [world.sgs_trainer.pk, candidate.pk],
        "starts_on": "2024-02-05",
        "ends_on": "2024-02-06",
        "venue": "Training centre",
        "city": "Guangzhou",
        "country": "CN",
    }
    response = client.post(admin_url(ClassroomSession, "add"), data)
    assert response.status_code == 200
    assert "New Trainer is not a certified trainer" in " ".join(errors_of(response)["trainers"])
    assert not ClassroomSession.objects.exists()

    data["trainers"] = [world.sgs_trainer.pk]
    response = client.post(admin_url(ClassroomSession, "add"), data)
    assert response.status_code == 302, errors_of(response)
    assert list(ClassroomSession.objects.get().trainers.all()) == [world.sgs_trainer]


def test_admin_licence_add_sets_modules_through_the_service(client, world):
    client.force_login(world.users.ilo_admin)
    modules = [factories.module("WCO"), factories.module("QM")]
    response = client.post(
        admin_url(Licence, "add"),
        {
            "partner": world.sgs.pk,
            "reference": "SGS-2025-VN",
            "countries": ["VN"],
            "modules": [module.pk for module in modules],
            "valid_from": "2025-01-01",
            "valid_until": "2027-12-31",
            "status": Licence.Status.ACTIVE,
        },
    )
    assert response.status_code == 302, errors_of(response)
    licence = Licence.objects.get(reference="SGS-2025-VN")
    assert set(licence.modules.all()) == set(modules)
    # licence_create saves the licence, then its modules (a second version with them).
    assert [(version.history_type, version.history_user) for version in licence.history.all()] == [
        ("~", world.users.ilo_admin),
        ("+", world.users.ilo_admin),
    ]


def test_admin_licence_ending_before_it_starts_shows_the_error(client, world):
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(Licence, "add"),
        {
            "partner": world.sgs.pk,
            "reference": "SGS-2025-VN",
            "countries": ["VN"],
            "modules": [factories.module("WCO").pk],
            "valid_from": "2025-01-01",
            "valid_until": "2024-12-31",
            "status": Licence.Status.ACTIVE,
        },
    )
    assert response.status_code == 200
    assert "cannot end before it starts" in " ".join(errors_of(response)["valid_until"])
    assert not Licence.objects.filter(reference="SGS-2025-VN").exists()


def user_add_data(**changes):
    data = {
        "username": "eti.manager",
        "email": "eti.manager@example.org",
        "usable_password": "true",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
        "role": "partner_manager",
    }
    data.update(changes)
    return data


def test_admin_adds_a_login_with_its_membership(client, world):
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(User, "add"), user_add_data(organisation=world.sgs.pk, role="partner_manager")
    )
    assert response.status_code == 302, errors_of(response)
    user = User.objects.get(username="eti.manager")
    assert user.check_password("a-long-unusual-passphrase")
    membership = user.memberships.get()
    assert (membership.organisation, membership.role) == (world.sgs, "partner_manager")


def test_admin_login_with_a_role_of_another_organisation_kind_shows_the_error(client, world):
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(User, "add"), user_add_data(organisation=world.sgs.pk, role="brand_viewer")
    )
    assert response.status_code == 200
    assert "belongs to an organisation of kind Brand" in " ".join(errors_of(response)["role"])
    assert not User.objects.filter(username="eti.manager").exists()


def test_admin_changes_a_membership_inline_through_the_service(client, world):
    user = world.users.sgs_staff
    client.force_login(world.users.ilo_admin)
    url = change_url(user)
    data = form_values(client.get(url))
    data["memberships-0-role"] = "partner_manager"
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    assert user.memberships.get().role == "partner_manager"


def test_ilo_officer_cannot_change_logins(client, world):
    client.force_login(world.users.ilo_officer)
    assert client.get(change_url(world.users.sgs_staff)).status_code == 200
    assert client.get(admin_url(User, "add")).status_code == 403
    response = client.post(change_url(world.users.sgs_staff), {"username": "renamed"})
    assert response.status_code == 403


def test_ilo_admin_grants_a_supplier_link_request_through_the_service(client, world):
    link = factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=world.sgs_enterprise, status="requested"
    )
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(SupplierLink, "changelist"),
        {"action": "grant_links", "_selected_action": [link.pk]},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.status, link.decided_by) == (SupplierLink.Status.GRANTED, world.users.ilo_admin)
    assert link.history.first().history_user == world.users.ilo_admin


def test_a_request_naming_no_enterprise_cannot_be_granted(client, world):
    link = factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=None, requested_os_id="CN2019XYZ", status="requested"
    )
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(SupplierLink, "changelist"),
        {"action": "grant_links", "_selected_action": [link.pk]},
        follow=True,
    )
    shown = " ".join(str(message) for message in response.context["messages"])
    assert "names no enterprise on the platform" in shown
    link.refresh_from_db()
    assert link.status == SupplierLink.Status.REQUESTED


def test_ilo_officer_has_no_supplier_link_decisions_in_the_admin(client, world):
    link = factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=world.sgs_enterprise, status="requested"
    )
    client.force_login(world.users.ilo_officer)
    changelist = client.get(admin_url(SupplierLink, "changelist"))
    assert changelist.status_code == 200
    assert changelist.context["action_form"] is None
    client.post(
        admin_url(SupplierLink, "changelist"),
        {"action": "grant_links", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.status == SupplierLink.Status.REQUESTED


# --- history ------------------------------------------------------------------------------


def test_saving_through_the_admin_records_history_with_the_admin_user(client, world):
    client.force_login(world.users.ilo_admin)
    url = change_url(world.sgs_licence)
    data = form_values(client.get(url))
    data["status"] = Licence.Status.SUSPENDED
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)

    latest = world.sgs_licence.history.first()
    assert latest.status == Licence.Status.SUSPENDED
    assert latest.history_user == world.users.ilo_admin
    history_page = client.get(admin_url(Licence, "history", world.sgs_licence.pk))
    assert history_page.status_code == 200
    assert "ilo.admin" in history_page.content.decode()


def test_deleting_through_the_admin_records_who_deleted(client, world):
    measurement = factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise)
    client.force_login(world.users.ilo_admin)
    response = client.post(admin_url(KpiMeasurement, "delete", measurement.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not KpiMeasurement.objects.exists()
    deletion = KpiMeasurement.history.get(id=measurement.pk, history_type="-")
    assert deletion.history_user == world.users.ilo_admin


def test_bulk_delete_goes_through_the_service_one_by_one(client, world):
    measurements = factories.KpiMeasurementFactory.create_batch(
        3,
        enterprise=world.sgs_enterprise,
        period=factories.factory.Iterator([date(2024, month, 1) for month in (1, 2, 3)]),
    )
    client.force_login(world.users.ilo_admin)
    response = client.post(
        admin_url(KpiMeasurement, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [measurement.pk for measurement in measurements],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not KpiMeasurement.objects.exists()
    deletions = KpiMeasurement.history.filter(history_type="-")
    assert [record.history_user for record in deletions] == [world.users.ilo_admin] * 3


def test_reverting_from_the_history_is_refused(client, world):
    client.force_login(world.users.ilo_admin)
    version = world.sgs_licence.history.first()
    url = reverse(
        "admin:partners_licence_simple_history", args=[world.sgs_licence.pk, version.history_id]
    )
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": Licence.Status.TERMINATED}).status_code == 403


# --- changelists on big tables stay cheap -------------------------------------------------


def changelist_queries(client, model) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("rows", [5, 50])
def test_enterprise_changelist_query_count_is_bounded(
    client, world, rows, django_assert_max_num_queries
):
    factories.EnterpriseFactory.create_batch(rows - 2, partner=world.sgs)
    client.force_login(world.users.ilo_admin)
    with django_assert_max_num_queries(9):
        response = client.get(admin_url(Enterprise, "changelist"))
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_kpi_measurement_changelist_query_count_is_bounded(
    client, world, rows, django_assert_max_num_queries
):
    trainer = world.sgs_trainer
    for number in range(rows):
        enterprise = factories.EnterpriseFactory(partner=world.sgs)
        factories.KpiMeasurementFactory(
            enterprise=enterprise,
            period=date(2024, 1 + number % 12, 1),
            verified_by=trainer,
        )
    client.force_login(world.users.ilo_admin)
    with django_assert_max_num_queries(11):
        response = client.get(admin_url(KpiMeasurement, "changelist"))
    assert len(response.context["cl"].result_list) == rows


def _sgs_enterprise():
    return factories.EnterpriseFactory(partner=Organisation.objects.get(name="SGS"))


def _sgs_enrolment(world):
    return factories.EnrolmentFactory(enterprise=_sgs_enterprise(), lead_trainer=world.sgs_trainer)


ROW_MAKERS = {
    Organisation: lambda world: factories.OrganisationFactory(),
    Membership: lambda world: factories.MembershipFactory(organisation=world.sgs),
    Licence: lambda world: factories.LicenceFactory(partner=world.sgs),
    SupplierLink: lambda world: factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=_sgs_enterprise()
    ),
    Enterprise: lambda world: _sgs_enterprise(),
    Participant: lambda world: factories.ParticipantFactory(enterprise=_sgs_enterprise()),
    Enrolment: _sgs_enrolment,
    ClassroomSession: lambda world: _session(world),
    Attendance: lambda world: factories.AttendanceFactory(
        session=_session(world),
        participant=factories.ParticipantFactory(enterprise=_sgs_enterprise()),
    ),
    ConsultationVisit: lambda world: factories.VisitFactory(
        enrolment=_sgs_enrolment(world), trainer=world.sgs_trainer
    ),
    ImprovementProject: lambda world: factories.ImprovementProjectFactory(
        enrolment=_sgs_enrolment(world), indicator=factories.indicator("waste")
    ),
    Trainer: lambda world: factories.TrainerFactory(
        organisation=world.sgs, user=factories.UserFactory()
    ),
    Certification: lambda world: factories.CertificationFactory(
        trainer=factories.TrainerFactory(organisation=world.sgs)
    ),
    KpiMeasurement: lambda world: factories.KpiMeasurementFactory(
        enterprise=_sgs_enterprise(), verified_by=world.sgs_trainer
    ),
    User: lambda world: factories.UserFactory(),
    EnterpriseKpiResult: lambda world: _computed_row(world, EnterpriseKpiResult),
    KpiSummary: lambda world: _computed_row(world, KpiSummary),
    ReachSummary: lambda world: _computed_row(world, ReachSummary),
    AggregationRun: lambda world: AggregationRun.objects.create(
        kind=AggregationRun.Kind.FULL, requested_by=factories.UserFactory()
    ),
}


NEW_COUNTRIES = ["VN", "BD", "KH", "TH", "ID", "PK", "LK", "MA", "TR", "EG"]


def _computed_row(world, model):
    """More computed rows of ``model``: an SGS enterprise in a country new to the programme
    (so a new country group) reporting defects, then a rebuild."""
    from tests.kpi_helpers import series

    used = set(Enterprise.objects.values_list("country", flat=True))
    country = next(code for code in NEW_COUNTRIES if code not in used)
    enterprise = factories.EnterpriseFactory(
        partner=Organisation.objects.get(name="SGS"), country=country
    )
    series(enterprise, "defect_rate", "10", "8")
    before = model.objects.count()
    recompute_all()
    assert model.objects.count() > before


@pytest.mark.parametrize("model", ROW_MAKERS, ids=lambda model: model._meta.label)
def test_changelist_queries_do_not_grow_with_rows(client, world, model):
    client.force_login(world.users.ilo_admin)
    ROW_MAKERS[model](world)
    few = changelist_queries(client, model)
    for _ in range(6):
        ROW_MAKERS[model](world)
    assert changelist_queries(client, model) == few


def test_enterprise_page_queries_do_not_grow_with_its_measurements(client, world):
    def add_months(count, first_year):
        months = [date(first_year + number // 12, number % 12 + 1, 1) for number in range(count)]
        factories.KpiMeasurementFactory.create_batch(
            count,
            enterprise=world.sgs_enterprise,
            period=factories.factory.Iterator(months),
            verified_by=world.sgs_trainer,
        )

    client.force_login(world.users.ilo_admin)
    add_months(30, 2019)
    client.get(change_url(world.sgs_enterprise))  # warms the content-type cache
    with CaptureQueriesContext(connection) as thirty:
        assert client.get(change_url(world.sgs_enterprise)).status_code == 200
    add_months(30, 2015)
    with CaptureQueriesContext(connection) as sixty:
        assert client.get(change_url(world.sgs_enterprise)).status_code == 200
    assert len(sixty) == len(thirty)


# --- the computed tables and the recompute button ------------------------------------------


@pytest.mark.parametrize("label", sorted(COMPUTED))
def test_computed_rows_are_read_only(client, world, label):
    model = next(m for m in REGISTERED if m._meta.label == label)
    example = EXAMPLES[label](world)
    before = model.objects.count()
    client.force_login(world.users.ilo_admin)
    page = client.get(change_url(example))
    assert page.status_code == 200
    assert page.context["title"].startswith("View")
    assert client.post(change_url(example), {}).status_code == 403
    assert (
        client.post(admin_url(model, "delete", quote(example.pk)), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(admin_url(model, "add")).status_code == 403
    changelist = client.get(admin_url(model, "changelist"))
    assert changelist.context["action_form"] is None
    assert model.objects.count() == before


@pytest.mark.parametrize("persona", ["ilo_admin", "ilo_officer"])
def test_recompute_now_queues_a_run_through_the_service(
    client, world, persona, django_capture_on_commit_callbacks
):
    user = getattr(world.users, persona)
    client.force_login(user)
    changelist = client.get(admin_url(AggregationRun, "changelist"))
    recompute_url = reverse("admin:reports_aggregationrun_recompute")
    assert recompute_url in changelist.content.decode()
    assert "Recompute now" in changelist.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(recompute_url, {"history": "1"}, follow=True)

    run = AggregationRun.objects.get()
    assert response.redirect_chain[-1][0] == admin_url(AggregationRun, "changelist")
    assert f"run {run.pk}" in response.content.decode()
    assert run.requested_by == user
    assert run.with_history is True
    assert run.kind == AggregationRun.Kind.FULL
    # Celery runs eagerly in tests: the worker took the same row over and finished it.
    assert run.status == AggregationRun.Status.SUCCEEDED


def test_recompute_now_takes_only_a_post(client, world):
    client.force_login(world.users.ilo_admin)
    response = client.get(reverse("admin:reports_aggregationrun_recompute"))
    assert response.status_code == 405
    assert not AggregationRun.objects.exists()


@pytest.mark.parametrize("persona", ["sgs_manager", "inditex_viewer"])
def test_recompute_now_is_not_for_partners_or_brands(client, world, persona):
    user = getattr(world.users, persona)
    user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.post(reverse("admin:reports_aggregationrun_recompute"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not AggregationRun.objects.exists()


def test_the_recompute_schedule_is_editable_in_the_admin(client, world):
    from django_celery_beat.models import PeriodicTask

    client.force_login(world.users.ilo_admin)
    changelist = client.get(admin_url(PeriodicTask, "changelist")).content.decode()
    schedule = PeriodicTask.objects.filter(task__startswith="reports.")
    assert {task.task for task in schedule} == {
        "reports.recompute_summaries",
        "reports.recompute_all",
        "reports.recompute_pending",
    }
    for task in schedule:
        assert task.name in changelist
        assert client.get(change_url(task)).status_code == 200
    nightly = schedule.get(task="reports.recompute_summaries")
    assert (nightly.crontab.minute, nightly.crontab.hour) == ("30", "2")
