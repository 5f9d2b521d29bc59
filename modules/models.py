from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from score_platform.models import Currency, TimeStampedModel

# The names of the data migration's modules, so the catalogues carry their translations.
ORIGINAL_MODULE_NAMES = (
    gettext_noop("Workplace Cooperation"),
    gettext_noop("Quality Management"),
    gettext_noop("Clean Production"),
    gettext_noop("Human Resource Management"),
    gettext_noop("Occupational Safety and Health"),
)


class TrainingModule(TimeStampedModel):
    """A SCORE training module; a table so ILO staff can add modules (Lean, Gender Equality)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    classroom_days = models.PositiveSmallIntegerField(_("classroom days"), default=2)
    recommended_visits = models.PositiveSmallIntegerField(_("recommended visits"), default=3)
    is_foundation = models.BooleanField(_("foundation module"), default=False)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        constraints = [
            models.UniqueConstraint(
                fields=["is_foundation"],
                condition=Q(is_foundation=True),
                name="training_module_one_foundation",
                violation_error_message=_("Only one module can be the foundation module."),
            ),
            models.CheckConstraint(
                condition=Q(classroom_days__gte=1) & Q(classroom_days__lte=10),
                name="training_module_classroom_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def label(self) -> str:
        """The name in the reader's language where the catalogues have it."""
        return gettext(self.name)


class PaidBy(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    BRAND = "brand", _("Brand")
    PARTNER = "partner", _("Partner")
    ILO = "ilo", _("ILO")
    DONOR = "donor", _("Donor")


class Enrolment(TimeStampedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CLASSROOM = "classroom", _("Classroom")
        CONSULTING = "consulting", _("Consulting")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Forward-only order of the cycle; withdrawn may follow any live status.
    STATUS_ORDER = ["planned", "classroom", "consulting", "completed"]

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("enterprise"),
    )
    module = models.ForeignKey(
        TrainingModule,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("module"),
    )
    partner = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="enrolments",
        limit_choices_to={"kind": "partner"},
        verbose_name=_("partner"),
    )
    lead_trainer = models.ForeignKey(
        "trainers.Trainer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_enrolments",
        verbose_name=_("lead trainer"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    started_on = models.DateField(_("started on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    fee_amount = models.DecimalField(
        _("fee"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    fee_currency = models.CharField(
        _("fee currency"), max_length=3, choices=Currency.choices, default=Currency.USD
    )
    paid_by = models.CharField(_("paid by"), max_length=16, choices=PaidBy.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "module"],
                condition=~Q(status="withdrawn"),
                name="enrolment_one_live_per_enterprise_module",
                violation_error_message=_(
                    "This enterprise already has a live enrolment in this module."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["planned", "classroom", "consulting", "completed", "withdrawn"]
                ),
                name="enrolment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="enrolment_completed_after_started",
                violation_error_message=_("An enrolment cannot be completed before it started."),
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="enrolment_completed_has_date",
                violation_error_message=_("A completed enrolment needs its completion date."),
            ),
            models.CheckConstraint(
                condition=Q(fee_amount__isnull=True) | Q(fee_amount__gte=0),
                name="enrolment_fee_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(paid_by__in=["", "enterprise", "brand", "partner", "ilo", "donor"]),
                name="enrolment_paid_by_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["module", "status"], name="enrolment_module_status"),
            models.Index(fields=["partner", "status"], name="enrolment_partner_status"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} — {self.module.code} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        return self.status != self.Status.WITHDRAWN


class ClassroomSession(TimeStampedModel):
    """A classroom training of one module for managers and workers of several enterprises."""

    module = models.ForeignKey(
        TrainingModule,
        on_delete=models.PROTECT,
        related_name="classroom_sessions",
        verbose_name=_("module"),
    )
    partner = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="classroom_sessions",
        limit_choices_to={"kind": "partner"},
        verbose_name=_("partner"),
    )
    trainers = models.ManyToManyField(
        "trainers.Trainer", related_name="classroom_sessions", verbose_name=_("trainers")
    )
    starts_on = models.DateField(_("starts on"), db_index=True)
    ends_on = models.DateField(_("ends on"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = CountryField(_("country"))

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("classroom session")
        verbose_name_plural = _("classroom sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="classroom_session_ends_after_start",
                violation_error_message=_("A session cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["partner", "starts_on"], name="session_partner_start")]

    def __str__(self) -> str:
        return f"{self.module.code} {self.city or self.country} {self.starts_on:%Y-%m-%d}"


class Attendance(TimeStampedModel):
    session = models.ForeignKey(
        ClassroomSession,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("classroom session"),
    )
    participant = models.ForeignKey(
        "enterprises.Participant",
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("participant"),
    )
    days_attended = models.PositiveSmallIntegerField(_("days attended"), default=0)

    class Meta:
        ordering = ["session", "participant__full_name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"],
                name="attendance_unique_session_participant",
                violation_error_message=_("This participant is already on the session's list."),
            ),
            models.CheckConstraint(
                condition=Q(days_attended__gte=0) & Q(days_attended__lte=10),
                name="attendance_days_range",
                violation_error_message=_(
                    "Days attended must be between 0 and the session length."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} @ {self.session}"


class ConsultationVisit(TimeStampedModel):
    class Kind(models.TextChoices):
        INTAKE = "intake", _("Intake (baseline assessment)")
        FOLLOW_UP = "follow_up", _("Follow-up")
        YEAR_AFTER = "year_after", _("Year after")

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="visits", verbose_name=_("enrolment")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    trainer = models.ForeignKey(
        "trainers.Trainer",
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("trainer"),
    )
    visited_on = models.DateField(_("visited on"))
    duration_hours = models.DecimalField(
        _("duration (hours)"), max_digits=4, decimal_places=1, default=4
    )
    eit_members_present = models.PositiveSmallIntegerField(_("EIT members present"), default=0)
    summary = models.TextField(_("summary"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)

    class Meta:
        ordering = ["-visited_on", "id"]
        verbose_name = _("consultation visit")
        verbose_name_plural = _("consultation visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_hours__gt=0) & Q(duration_hours__lte=24),
                name="visit_duration_range",
                violation_error_message=_("A visit lasts more than 0 and at most 24 hours."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["intake", "follow_up", "year_after"]),
                name="visit_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["enrolment", "kind"], name="visit_enrolment_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_on:%Y-%m-%d}"


class ImprovementProject(TimeStampedModel):
    """An Enterprise Improvement Project: one line of the enterprise's improvement plan."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="improvement_projects",
        verbose_name=_("enrolment"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner_name = models.CharField(_("owner"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    indicator = models.ForeignKey(
        "reports.Indicator",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_projects",
        verbose_name=_("targeted indicator"),
    )
    savings_estimate = models.DecimalField(
        _("estimated savings"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    savings_realised = models.DecimalField(
        _("realised savings"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    savings_currency = models.CharField(
        _("savings currency"), max_length=3, choices=Currency.choices, default=Currency.USD
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("improvement project")
        verbose_name_plural = _("improvement projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(savings_estimate__isnull=True) | Q(savings_estimate__gte=0),
                name="project_savings_estimate_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(savings_realised__isnull=True) | Q(savings_realised__gte=0),
                name="project_savings_realised_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress", "done", "dropped"]),
                name="project_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title
