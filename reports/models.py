from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from score_platform.models import TimeStampedModel


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
