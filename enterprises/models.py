from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from score_platform.models import TimeStampedModel


class Sector(models.TextChoices):
    GARMENTS = "garments", _("Garments and textiles")
    FOOTWEAR = "footwear", _("Footwear")
    ELECTRONICS = "electronics", _("Electronics")
    AUTOMOTIVE = "automotive", _("Automotive parts")
    FOOD = "food", _("Food and beverage")
    FURNITURE = "furniture", _("Furniture and wood")
    CHEMICALS = "chemicals", _("Chemicals and plastics")
    METAL = "metal", _("Metal and engineering")
    HOSPITALITY = "hospitality", _("Hospitality and tourism")
    OTHER = "other", _("Other")


class Enterprise(TimeStampedModel):
    """A factory or service site served by one partner."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("country"), db_index=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, db_index=True)
    os_id = models.CharField(
        _("Open Supply Hub ID"),
        max_length=32,
        blank=True,
        help_text=_("The facility's Open Supply Hub ID, so brands can match their supplier lists."),
    )
    employees_total = models.PositiveIntegerField(_("employees (total)"))
    employees_female = models.PositiveIntegerField(_("employees (female)"), default=0)
    partner = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"kind": "partner"},
        verbose_name=_("partner"),
    )
    registration_number = models.CharField(_("registration number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.CheckConstraint(
                condition=Q(employees_female__gte=0)
                & Q(employees_female__lte=F("employees_total")),
                name="enterprise_female_within_total",
                violation_error_message=_(
                    "Female employees cannot exceed the total number of employees."
                ),
            ),
            models.UniqueConstraint(
                fields=["os_id"],
                condition=~Q(os_id=""),
                name="enterprise_os_id_unique_when_given",
                violation_error_message=_(
                    "Another enterprise already has this Open Supply Hub ID."
                ),
            ),
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                condition=~Q(registration_number=""),
                name="enterprise_registration_unique_per_country",
                violation_error_message=_(
                    "Another enterprise in this country already has this registration number."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "inactive"]), name="enterprise_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "country"], name="enterprise_partner_country"),
            models.Index(fields=["partner", "name", "id"], name="enterprise_partner_name_id"),
            # The lists' default order (ILO and brands see across partners).
            models.Index(fields=["name", "id"], name="enterprise_name_id"),
            models.Index(fields=["employees_total"], name="enterprise_employees"),
        ]

    def __str__(self) -> str:
        return self.name


class Participant(TimeStampedModel):
    """A person of an enterprise who attends training. Personal data: never shown to brands."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        WORKER = "worker", _("Worker")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNDISCLOSED = "undisclosed", _("Undisclosed")

    class Contract(models.TextChoices):
        PERMANENT = "permanent", _("Permanent")
        TEMPORARY = "temporary", _("Temporary")

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=_("enterprise"),
    )
    full_name = models.CharField(_("full name"), max_length=200)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices)
    contract = models.CharField(
        _("contract"), max_length=16, choices=Contract.choices, default=Contract.PERMANENT
    )
    is_eit_member = models.BooleanField(_("Enterprise Improvement Team member"), default=False)

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["manager", "worker"]), name="participant_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(gender__in=["female", "male", "other", "undisclosed"]),
                name="participant_gender_valid",
            ),
            models.CheckConstraint(
                condition=Q(contract__in=["permanent", "temporary"]),
                name="participant_contract_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name
