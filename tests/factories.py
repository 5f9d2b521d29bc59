"""Factories that build the test world directly (fast); tests of rules go through services."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from enterprises.models import Enterprise, Participant, Sector
from modules.models import (
    Attendance,
    ClassroomSession,
    ConsultationVisit,
    Enrolment,
    ImprovementProject,
    TrainingModule,
)
from partners.models import Licence, Membership, Organisation, Role, SupplierLink
from reports.models import Indicator, KpiMeasurement
from trainers.models import Certification, Trainer

PASSWORD = "correct-horse-battery"


def module(code: str) -> TrainingModule:
    return TrainingModule.objects.get(code=code)


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.PARTNER
    countries = ["CN"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PARTNER_STAFF


def user_with_role(username: str, organisation: Organisation, role: str, **user_fields):
    user = UserFactory(username=username, **user_fields)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Licence
        skip_postgeneration_save = True

    partner = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"LIC-{n:04d}")
    countries = ["CN"]
    valid_from = date(2015, 1, 1)
    valid_until = date(2035, 12, 31)
    status = Licence.Status.ACTIVE

    @factory.post_generation
    def modules(self, create, extracted, **kwargs):
        if create:
            self.modules.set(extracted if extracted is not None else TrainingModule.objects.all())


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"Factory {n}")
    country = "CN"
    city = "Guangzhou"
    sector = Sector.GARMENTS
    employees_total = 200
    employees_female = 120
    partner = factory.SubFactory(OrganisationFactory)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    enterprise = factory.SubFactory(EnterpriseFactory)
    full_name = factory.Sequence(lambda n: f"Participant {n}")
    role = Participant.Role.WORKER
    gender = Participant.Gender.FEMALE
    contract = Participant.Contract.PERMANENT


class TrainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainer

    full_name = factory.Sequence(lambda n: f"Trainer {n}")
    email = factory.Sequence(lambda n: f"trainer{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    countries = ["CN"]
    languages = ["en", "zh"]


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    trainer = factory.SubFactory(TrainerFactory)
    module = factory.LazyFunction(lambda: module("WCO"))
    level = Certification.Level.CERTIFIED
    awarded_on = date(2015, 1, 1)
    expires_on = None


def certified_trainer(organisation: Organisation, *codes: str, **fields) -> Trainer:
    trainer = TrainerFactory(organisation=organisation, **fields)
    for code in codes or ("WCO", "QM", "CP", "HRM", "OSH"):
        CertificationFactory(trainer=trainer, module=module(code))
    return trainer


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    enterprise = factory.SubFactory(EnterpriseFactory)
    module = factory.LazyFunction(lambda: module("WCO"))
    partner = factory.LazyAttribute(lambda enrolment: enrolment.enterprise.partner)
    status = Enrolment.Status.PLANNED
    started_on = date(2024, 1, 15)


class ClassroomSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassroomSession

    module = factory.LazyFunction(lambda: module("WCO"))
    partner = factory.SubFactory(OrganisationFactory)
    starts_on = date(2024, 2, 5)
    ends_on = date(2024, 2, 6)
    venue = "Training centre"
    city = "Guangzhou"
    country = "CN"


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(ClassroomSessionFactory)
    participant = factory.SubFactory(ParticipantFactory)
    days_attended = 2


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationVisit

    enrolment = factory.SubFactory(EnrolmentFactory)
    kind = ConsultationVisit.Kind.FOLLOW_UP
    trainer = factory.SubFactory(TrainerFactory)
    visited_on = date(2024, 3, 1)
    duration_hours = 4


class ImprovementProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementProject

    enrolment = factory.SubFactory(EnrolmentFactory)
    title = factory.Sequence(lambda n: f"Improvement project {n}")
    owner_name = "Line supervisor"
    status = ImprovementProject.Status.OPEN


class KpiMeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiMeasurement

    enterprise = factory.SubFactory(EnterpriseFactory)
    indicator = factory.LazyFunction(lambda: indicator("defect_rate"))
    period = date(2024, 1, 1)
    value = 10
    is_baseline = False


class SupplierLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierLink

    brand = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.BRAND)
    enterprise = factory.SubFactory(EnterpriseFactory)
    status = SupplierLink.Status.GRANTED
    requested_at = factory.LazyFunction(timezone.now)
    decided_at = factory.LazyAttribute(
        lambda link: None if link.status == SupplierLink.Status.REQUESTED else timezone.now()
    )
