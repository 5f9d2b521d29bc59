from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from score_platform.models import TimeStampedModel

# The names of the data migration's indicators, so the catalogues carry their translations
# (an indicator ILO staff add later shows the name they gave it).
ORIGINAL_INDICATOR_NAMES = (
    gettext_noop("Labour productivity"),
    gettext_noop("Defective products"),
    gettext_noop("Material waste"),
    gettext_noop("Work-related accidents"),
    gettext_noop("Absenteeism"),
    gettext_noop("Staff turnover"),
    gettext_noop("Worker suggestions implemented"),
    gettext_noop("Energy per unit"),
)


class Indicator(TimeStampedModel):
    """A KPI of the catalogue (kpis.md); the eight originals come from a data migration."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=80)
    direction = models.CharField(_("better when"), max_length=8, choices=Direction.choices)
    is_percentage = models.BooleanField(
        _("percentage"), default=False, help_text=_("Values of a percentage are at most 100.")
    )
    definition = models.TextField(_("what is reported each month"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=["higher", "lower"]), name="indicator_direction_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language where the catalogues have it."""
        return gettext(self.name)


class KpiMeasurement(TimeStampedModel):
    """One enterprise's value of one indicator for one month (period = first day of the month)."""

    class Source(models.TextChoices):
        RECORDS = "records", _("Records")
        ESTIMATE = "estimate", _("Estimate")
        OBSERVED = "observed", _("Observed")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="kpi_measurements",
        verbose_name=_("enterprise"),
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="measurements",
        verbose_name=_("indicator"),
    )
    period = models.DateField(_("period"), help_text=_("The month, stored as its first day."))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    is_baseline = models.BooleanField(_("baseline"), default=False)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.RECORDS
    )
    verified_by = models.ForeignKey(
        "trainers.Trainer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verified_measurements",
        verbose_name=_("verified by"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["enterprise_id", "indicator_id", "period"]
        verbose_name = _("KPI measurement")
        verbose_name_plural = _("KPI measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "indicator", "period"],
                name="kpi_measurement_unique_period",
                violation_error_message=_(
                    "This enterprise already has a value for this indicator and month."
                ),
            ),
            models.UniqueConstraint(
                fields=["enterprise", "indicator"],
                condition=Q(is_baseline=True),
                name="kpi_measurement_one_baseline",
                violation_error_message=_(
                    "This enterprise already has a baseline for this indicator."
                ),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="kpi_measurement_value_not_negative",
                violation_error_message=_("A KPI value cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(source__in=["records", "estimate", "observed"]),
                name="kpi_measurement_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(period__day=1),
                name="kpi_measurement_period_first_of_month",
                violation_error_message=_("A period is a month, stored as its first day."),
            ),
        ]
        indexes = [
            models.Index(fields=["indicator", "period"], name="kpi_indicator_period"),
            models.Index(fields=["period"], name="kpi_period"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.indicator_id} {self.period:%Y-%m} = {self.value}"


# --- computed tables (written only by reports.aggregation; read through reports.selectors) ---
#
# These rows are derived from the tables above and rebuilt at will, so they carry when they
# were computed instead of created/updated stamps. A row's computed_at changes only when its
# figures change: running the same recompute twice leaves the tables identical.

# Groups of fewer enterprises than this are withheld from brands and the public (kpis.md).
MINIMUM_GROUP_SIZE = 3


class Scope(models.TextChoices):
    PROGRAMME = "programme", _("Programme")
    COUNTRY = "country", _("Country")
    PARTNER = "partner", _("Partner")
    BRAND = "brand", _("Brand")
    MODULE = "module", _("Module")
    SECTOR = "sector", _("Sector")


# Scopes whose summaries keep one row per month (the dashboards' 24-month trend).
HISTORY_SCOPES = (Scope.PROGRAMME, Scope.COUNTRY)
HISTORY_MONTHS = 24


# Computed rows reference their sources without database foreign keys: the statements that
# write them derive every id from the sources, Django's delete cascade still removes them
# with their enterprise, and a foreign-key check per row would dominate a full rebuild
# (800,000 checks at profile L). Their unique constraints serve the lookups by these ids.
COMPUTED_REFERENCE = {"db_constraint": False, "db_index": False}


class EnterpriseKpiResult(models.Model):
    """One enterprise's result for one indicator: its baseline against its latest value.

    ``improvement_pct`` is signed so that positive always means better; it is null ("not
    computable") without a baseline, without a later value, or with a zero baseline.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="kpi_results",
        verbose_name=_("enterprise"),
        **COMPUTED_REFERENCE,
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("indicator"),
        **COMPUTED_REFERENCE,
    )
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    baseline_period = models.DateField(_("baseline period"), null=True, blank=True)
    latest_value = models.DecimalField(
        _("latest value"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    latest_period = models.DateField(_("latest period"), null=True, blank=True)
    improvement_pct = models.FloatField(_("improvement (%)"), null=True, blank=True)
    months_observed = models.PositiveIntegerField(
        _("months observed"), help_text=_("Monthly values reported, the baseline included.")
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["enterprise_id", "indicator__order"]
        verbose_name = _("enterprise KPI result")
        verbose_name_plural = _("enterprise KPI results")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "indicator"], name="kpi_result_unique_enterprise_indicator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.indicator_id}: {self.improvement_pct}"

    @property
    def is_computable(self) -> bool:
        return self.improvement_pct is not None


class ScopeGroup(models.Model):
    """A group of enterprises that summaries are computed over: one scope and one key."""

    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    scope_key = models.CharField(
        _("scope key"),
        max_length=64,
        blank=True,
        help_text=_("Country code, organisation id, module code or sector; empty for programme."),
    )

    class Meta:
        ordering = ["scope", "scope_key"]
        verbose_name = _("scope group")
        verbose_name_plural = _("scope groups")
        constraints = [
            models.UniqueConstraint(fields=["scope", "scope_key"], name="scope_group_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.scope_key}" if self.scope_key else self.scope


class ScopeMember(models.Model):
    """Which enterprises count in which group: the one place kpis.md's scope rules become
    rows, so every summary statement reads the same membership.

    ``enterprise_id`` is deliberately not a foreign key: after an enterprise is deleted or
    moved, its old rows say which groups must be recomputed, and the recompute removes them.
    """

    group = models.ForeignKey(
        ScopeGroup,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("group"),
        **COMPUTED_REFERENCE,
    )
    enterprise_id = models.BigIntegerField(_("enterprise id"))

    class Meta:
        verbose_name = _("scope member")
        verbose_name_plural = _("scope members")
        constraints = [
            models.UniqueConstraint(fields=["group", "enterprise_id"], name="scope_member_unique"),
        ]
        indexes = [models.Index(fields=["enterprise_id"], name="scope_member_enterprise")]

    def __str__(self) -> str:
        return f"{self.group_id} ∋ {self.enterprise_id}"


class KpiSummary(models.Model):
    """A group's summary for one indicator as it stood at the end of the ``as_of`` month."""

    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    scope_key = models.CharField(
        _("scope key"),
        max_length=64,
        blank=True,
        help_text=_("Country code, organisation id, module code or sector; empty for programme."),
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="summaries",
        verbose_name=_("indicator"),
        db_constraint=False,
    )
    as_of = models.DateField(_("as of month"), help_text=_("The month, stored as its first day."))
    enterprises_reporting = models.PositiveIntegerField(_("enterprises reporting"))
    median_improvement_pct = models.FloatField(_("median improvement (%)"))
    mean_improvement_pct = models.FloatField(_("mean improvement (%)"))
    p90_improvement_pct = models.FloatField(_("90th percentile improvement (%)"))
    share_improved = models.FloatField(_("share improved"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["scope", "scope_key", "-as_of", "indicator__order"]
        verbose_name = _("KPI summary")
        verbose_name_plural = _("KPI summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_key", "indicator", "as_of"], name="kpi_summary_unique"
            ),
            models.CheckConstraint(
                condition=Q(enterprises_reporting__gte=1), name="kpi_summary_has_enterprises"
            ),
            models.CheckConstraint(
                condition=Q(share_improved__gte=0) & Q(share_improved__lte=1),
                name="kpi_summary_share_is_fraction",
            ),
        ]
        indexes = [
            models.Index(fields=["scope", "scope_key", "as_of"], name="kpi_summary_group_month"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.scope_key} {self.indicator_id} {self.as_of:%Y-%m}"

    @property
    def is_withheld_from_brands(self) -> bool:
        return self.enterprises_reporting < MINIMUM_GROUP_SIZE


# The counts of a ReachSummary, in the order readers show them.
REACH_FIGURES = (
    "enterprises",
    "enterprises_enrolled",
    "enterprises_trained",
    "enterprises_completed",
    "countries",
    "employees_benefiting",
    "participants_trained",
    "participants_managers",
    "participants_workers",
    "participants_female",
    "participants_male",
    "participants_other",
    "participants_undisclosed",
    "classroom_sessions",
    "visits",
    "modules_completed",
)


class ReachSummary(models.Model):
    """A group's reach (kpis.md): who was enrolled and trained, and how much training ran."""

    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    scope_key = models.CharField(_("scope key"), max_length=64, blank=True)
    as_of = models.DateField(_("as of month"))
    enterprises = models.PositiveIntegerField(_("enterprises in the group"))
    enterprises_enrolled = models.PositiveIntegerField(_("enterprises enrolled"))
    enterprises_trained = models.PositiveIntegerField(_("enterprises trained"))
    enterprises_completed = models.PositiveIntegerField(_("enterprises that completed a module"))
    countries = models.PositiveIntegerField(_("countries"))
    employees_benefiting = models.PositiveBigIntegerField(_("employees benefiting"))
    participants_trained = models.PositiveIntegerField(_("participants trained"))
    participants_managers = models.PositiveIntegerField(_("managers trained"))
    participants_workers = models.PositiveIntegerField(_("workers trained"))
    participants_female = models.PositiveIntegerField(_("women trained"))
    participants_male = models.PositiveIntegerField(_("men trained"))
    participants_other = models.PositiveIntegerField(_("participants of other gender trained"))
    participants_undisclosed = models.PositiveIntegerField(
        _("participants of undisclosed gender trained")
    )
    classroom_sessions = models.PositiveIntegerField(_("classroom sessions"))
    visits = models.PositiveIntegerField(_("consultation visits"))
    modules_completed = models.PositiveIntegerField(_("modules completed"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["scope", "scope_key", "-as_of"]
        verbose_name = _("reach summary")
        verbose_name_plural = _("reach summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_key", "as_of"], name="reach_summary_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.scope_key} {self.as_of:%Y-%m}"

    @property
    def is_withheld_from_brands(self) -> bool:
        return self.enterprises < MINIMUM_GROUP_SIZE


class AggregationRun(TimeStampedModel):
    """The visible trace of every aggregation: what ran, when, how long, how much, and how."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("One enterprise")
        SUMMARIES = "summaries", _("Summaries of changed groups")
        FULL = "full", _("Full rebuild")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    scope = models.CharField(
        _("scope"), max_length=200, blank=True, help_text=_("What the run covered, in words.")
    )
    with_history = models.BooleanField(_("with history"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    task_id = models.CharField(_("task id"), max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    rows_read = models.PositiveBigIntegerField(_("rows read"), default=0)
    rows_written = models.PositiveBigIntegerField(_("rows written"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("aggregation run")
        verbose_name_plural = _("aggregation runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["enterprise", "summaries", "full"]),
                name="aggregation_run_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="aggregation_run_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "-created_at"], name="aggregation_run_kind_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M} {self.status}"


class PendingEnterpriseRecompute(models.Model):
    """An enterprise whose results must be recomputed: the outbox of the incremental path.

    Written in the same transaction as the change that made the results stale, so a
    request survives a broker outage; the task deletes it when it starts. While a row
    exists a task is on its way, so further changes add nothing to the queue.
    """

    enterprise_id = models.BigIntegerField(_("enterprise id"), unique=True)
    kpis = models.BooleanField(_("KPI results"), default=True)
    reach = models.BooleanField(_("reach"), default=True)
    requested_at = models.DateTimeField(_("requested at"))

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("pending enterprise recompute")
        verbose_name_plural = _("pending enterprise recomputes")

    def __str__(self) -> str:
        return f"enterprise {self.enterprise_id} since {self.requested_at:%Y-%m-%d %H:%M:%S}"


class PendingSummaryRecompute(models.Model):
    """A group whose summaries must be recomputed; drained by one debounced task.

    ``indicator_id`` narrows a KPI request to the one indicator whose results moved (a KPI
    change touches one indicator, so the run reads an eighth of the group's results); 0
    means every indicator, and only such rows carry reach requests.
    """

    EVERY_INDICATOR = 0

    group = models.ForeignKey(
        ScopeGroup, on_delete=models.CASCADE, related_name="pending", verbose_name=_("group")
    )
    indicator_id = models.BigIntegerField(_("indicator id"), default=EVERY_INDICATOR)
    kpis = models.BooleanField(_("KPI summaries"), default=True)
    reach = models.BooleanField(_("reach"), default=True)
    requested_at = models.DateTimeField(_("requested at"))

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("pending summary recompute")
        verbose_name_plural = _("pending summary recomputes")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "indicator_id"], name="pending_summary_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.indicator_id} since {self.requested_at:%Y-%m-%d %H:%M:%S}"
