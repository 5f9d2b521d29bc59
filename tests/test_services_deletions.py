"""The deletions, the indicator catalogue and login changes the ILO admin writes through."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from modules import services as module_services
from modules.models import ClassroomSession, Enrolment, ImprovementProject, TrainingModule
from partners import services as partner_services
from partners.models import Licence, Membership, Organisation
from reports import services as report_services
from reports.models import Indicator
from tests import factories
from trainers import services as trainer_services
from trainers.models import Certification, Trainer


def test_ilo_admin_deletes_an_unused_organisation(world):
    donor = factories.OrganisationFactory(name="Norad", kind=Organisation.Kind.DONOR)
    partner_services.organisation_delete(actor=world.users.ilo_admin, organisation=donor)
    assert not Organisation.objects.filter(name="Norad").exists()


def test_organisation_with_enterprises_cannot_be_deleted_and_says_why(world):
    with pytest.raises(ValidationError) as error:
        partner_services.organisation_delete(actor=world.users.ilo_admin, organisation=world.tuv)
    assert "cannot be deleted while" in " ".join(error.value.messages)
    assert "enterprises" in " ".join(error.value.messages)
    assert Organisation.objects.filter(pk=world.tuv.pk).exists()


@pytest.mark.parametrize("persona", ["ilo_officer", "sgs_manager", "inditex_viewer"])
def test_only_ilo_administrators_delete_organisations(world, persona):
    donor = factories.OrganisationFactory(name="SECO", kind=Organisation.Kind.DONOR)
    with pytest.raises(PermissionDenied):
        partner_services.organisation_delete(
            actor=getattr(world.users, persona), organisation=donor
        )
    assert Organisation.objects.filter(pk=donor.pk).exists()


def test_licence_delete_records_who_deleted(world):
    licence_id = world.tuv_licence.pk
    partner_services.licence_delete(actor=world.users.ilo_admin, licence=world.tuv_licence)
    assert not Licence.objects.filter(pk=licence_id).exists()
    deletion = Licence.history.get(id=licence_id, history_type="-")
    assert deletion.history_user == world.users.ilo_admin


def test_ilo_officer_cannot_delete_a_licence(world):
    with pytest.raises(PermissionDenied):
        partner_services.licence_delete(actor=world.users.ilo_officer, licence=world.sgs_licence)


def test_membership_delete_leaves_the_user_without_a_role(world):
    from partners.access import principal_of

    user = world.users.sgs_staff
    assert principal_of(user).is_partner
    partner_services.membership_delete(
        actor=world.users.ilo_admin, membership=user.memberships.get()
    )
    assert not Membership.objects.filter(user=user).exists()
    assert not principal_of(user).has_role


def test_partner_manager_cannot_delete_another_partners_membership(world):
    with pytest.raises(PermissionDenied):
        partner_services.membership_delete(
            actor=world.users.tuv_manager, membership=world.users.sgs_staff.memberships.get()
        )


def test_user_update_changes_contact_and_rights(world):
    user = world.users.sgs_staff
    partner_services.user_update(
        actor=world.users.ilo_admin, user=user, email="staff@sgs.example.org", is_active=False
    )
    user.refresh_from_db()
    assert (user.email, user.is_active) == ("staff@sgs.example.org", False)


def test_only_a_superuser_grants_superuser_status(world):
    administrator = factories.user_with_role(
        "ilo.second.admin", world.ilo, "ilo_admin", is_staff=True
    )
    with pytest.raises(ValidationError) as error:
        partner_services.user_update(
            actor=administrator, user=world.users.ilo_officer, is_superuser=True
        )
    assert "is_superuser" in error.value.error_dict
    world.users.ilo_officer.refresh_from_db()
    assert not world.users.ilo_officer.is_superuser


def test_user_update_refuses_fields_outside_the_login(world):
    with pytest.raises(ValidationError) as error:
        partner_services.user_update(
            actor=world.users.ilo_admin, user=world.users.sgs_staff, password="plain"
        )
    assert "password" in error.value.error_dict


def test_ilo_officer_cannot_change_logins(world):
    with pytest.raises(PermissionDenied):
        partner_services.user_update(
            actor=world.users.ilo_officer, user=world.users.sgs_staff, is_staff=True
        )


def test_training_module_in_use_cannot_be_deleted(world):
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    with pytest.raises(ValidationError) as error:
        module_services.training_module_delete(
            actor=world.users.ilo_admin, training_module=factories.module("WCO")
        )
    assert "enrolments" in " ".join(error.value.messages)


def test_ilo_admin_deletes_an_unused_training_module(world):
    lean = TrainingModule.objects.create(code="LEAN", name="Lean", order=9)
    module_services.training_module_delete(actor=world.users.ilo_admin, training_module=lean)
    assert not TrainingModule.objects.filter(code="LEAN").exists()


def test_enrolment_delete_takes_its_visits_and_projects_and_records_who(world):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    factories.VisitFactory(enrolment=enrolment, trainer=world.sgs_trainer)
    factories.ImprovementProjectFactory(enrolment=enrolment)
    enrolment_id = enrolment.pk
    module_services.enrolment_delete(actor=world.users.ilo_officer, enrolment=enrolment)
    assert not Enrolment.objects.exists()
    assert not ImprovementProject.objects.exists()
    deletion = Enrolment.history.get(id=enrolment_id, history_type="-")
    assert deletion.history_user == world.users.ilo_officer


@pytest.mark.parametrize("persona", ["tuv_manager", "inditex_viewer"])
def test_strangers_cannot_delete_progress_data(world, persona):
    actor = getattr(world.users, persona)
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    project = factories.ImprovementProjectFactory(enrolment=enrolment)
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    with pytest.raises(PermissionDenied):
        module_services.enrolment_delete(actor=actor, enrolment=enrolment)
    with pytest.raises(PermissionDenied):
        module_services.improvement_project_delete(actor=actor, project=project)
    with pytest.raises(PermissionDenied):
        module_services.classroom_session_delete(actor=actor, session=session)
    assert Enrolment.objects.filter(pk=enrolment.pk).exists()
    assert ImprovementProject.objects.filter(pk=project.pk).exists()
    assert ClassroomSession.objects.filter(pk=session.pk).exists()


def test_partner_staff_deletes_its_own_session_and_project(world):
    enrolment = factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    project = factories.ImprovementProjectFactory(enrolment=enrolment)
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    module_services.improvement_project_delete(actor=world.users.sgs_staff, project=project)
    module_services.classroom_session_delete(actor=world.users.sgs_staff, session=session)
    assert not ImprovementProject.objects.exists()
    assert not ClassroomSession.objects.exists()


def test_trainer_who_led_an_enrolment_cannot_be_deleted(world):
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise, lead_trainer=world.sgs_trainer)
    with pytest.raises(ValidationError):
        trainer_services.trainer_delete(actor=world.users.ilo_admin, trainer=world.sgs_trainer)
    assert Trainer.objects.filter(pk=world.sgs_trainer.pk).exists()


def test_partner_manager_deletes_its_own_unused_trainer_only(world):
    newcomer = factories.TrainerFactory(organisation=world.sgs)
    with pytest.raises(PermissionDenied):
        trainer_services.trainer_delete(actor=world.users.tuv_manager, trainer=newcomer)
    newcomer_id = newcomer.pk
    trainer_services.trainer_delete(actor=world.users.sgs_manager, trainer=newcomer)
    assert not Trainer.objects.filter(pk=newcomer_id).exists()


def test_certification_delete_is_for_ilo_administrators_and_recorded(world):
    certification = world.sgs_trainer.certifications.first()
    with pytest.raises(PermissionDenied):
        trainer_services.certification_delete(
            actor=world.users.ilo_officer, certification=certification
        )
    certification_id = certification.pk
    trainer_services.certification_delete(actor=world.users.ilo_admin, certification=certification)
    assert not Certification.objects.filter(pk=certification_id).exists()
    deletion = Certification.history.get(id=certification_id, history_type="-")
    assert deletion.history_user == world.users.ilo_admin


def test_ilo_admin_adds_an_indicator(world):
    indicator = report_services.indicator_save(
        actor=world.users.ilo_admin,
        indicator=Indicator(
            code=" overtime ", name="Overtime", unit="% of hours", direction="lower"
        ),
    )
    assert Indicator.objects.get(code="overtime") == indicator


def test_an_indicator_with_values_above_100_cannot_become_a_percentage(world):
    productivity = factories.indicator("productivity")
    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, indicator=productivity, value=140
    )
    productivity.is_percentage = True
    with pytest.raises(ValidationError) as error:
        report_services.indicator_save(actor=world.users.ilo_admin, indicator=productivity)
    assert "is_percentage" in error.value.error_dict
    productivity.refresh_from_db()
    assert not productivity.is_percentage


@pytest.mark.parametrize("persona", ["ilo_officer", "sgs_manager"])
def test_only_ilo_administrators_change_the_indicator_catalogue(world, persona):
    actor = getattr(world.users, persona)
    waste = factories.indicator("waste")
    waste.name = "Scrap"
    with pytest.raises(PermissionDenied):
        report_services.indicator_save(actor=actor, indicator=waste)
    with pytest.raises(PermissionDenied):
        report_services.indicator_delete(actor=actor, indicator=waste)
    assert Indicator.objects.get(code="waste").name != "Scrap"


def test_an_indicator_with_measurements_cannot_be_deleted(world):
    factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise)
    with pytest.raises(ValidationError) as error:
        report_services.indicator_delete(
            actor=world.users.ilo_admin, indicator=factories.indicator("defect_rate")
        )
    assert "KPI measurements" in " ".join(error.value.messages)
