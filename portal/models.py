from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from score_platform.models import TimeStampedModel


class ImportJob(TimeStampedModel):
    """One uploaded spreadsheet: checked (preview), then committed all at once, or not at all.

    Big files are checked and committed by a Celery worker; the page polls the progress.
    """

    class Kind(models.TextChoices):
        ENTERPRISES = "enterprises", _("Enterprises")
        PARTICIPANTS = "participants", _("Participants")
        KPI_MEASUREMENTS = "kpi_measurements", _("KPI measurements")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be checked")
        CHECKING = "checking", _("Checking")
        READY = "ready", _("Checked, ready to import")
        INVALID = "invalid", _("Has errors; nothing imported")
        QUEUED = "queued", _("Waiting to be imported")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed; nothing imported")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8)
    file_size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The partner the rows belong to: new enterprises are registered for it. Null for ILO
    # imports of participants or KPIs, whose rows name enterprises of several partners.
    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("organisation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # Row-level problems, [{"row": 7, "column": "value", "message": "..."}], capped.
    errors = models.JSONField(_("problems"), default=list, blank=True)
    # The first rows as they will be imported, with what happens to each.
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    check_seconds = models.FloatField(_("check duration (s)"), null=True, blank=True)
    import_seconds = models.FloatField(_("import duration (s)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "checking",
                        "ready",
                        "invalid",
                        "queued",
                        "importing",
                        "done",
                        "failed",
                    ]
                ),
                name="import_job_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["enterprises", "participants", "kpi_measurements"]),
                name="import_job_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="import_job_org")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in {
            self.Status.PENDING,
            self.Status.CHECKING,
            self.Status.QUEUED,
            self.Status.IMPORTING,
        }
