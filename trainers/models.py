from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from score_platform.models import TimeStampedModel


class Trainer(TimeStampedModel):
    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNDISCLOSED = "undisclosed", _("Undisclosed")

    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("email"), unique=True)
    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        related_name="trainers",
        limit_choices_to={"kind": "partner"},
        verbose_name=_("organisation"),
    )
    countries = CountryField(_("countries"), multiple=True, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("Language codes, e.g. en, zh, es.")
    )
    gender = models.CharField(
        _("gender"), max_length=16, choices=Gender.choices, default=Gender.UNDISCLOSED
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainer_profile",
        verbose_name=_("login"),
    )

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("trainer")
        verbose_name_plural = _("trainers")

    def __str__(self) -> str:
        return self.full_name


class Certification(TimeStampedModel):
    """A trainer's level in one module. Leading needs certified or master, valid on the day."""

    class Level(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        CERTIFIED = "certified", _("Certified")
        MASTER = "master", _("Master trainer")

    LEADING_LEVELS = ("certified", "master")

    trainer = models.ForeignKey(
        Trainer, on_delete=models.CASCADE, related_name="certifications", verbose_name=_("trainer")
    )
    module = models.ForeignKey(
        "modules.TrainingModule",
        on_delete=models.PROTECT,
        related_name="certifications",
        verbose_name=_("module"),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    awarded_on = models.DateField(_("awarded on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("awarded by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["trainer__full_name", "module__order"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.UniqueConstraint(
                fields=["trainer", "module"],
                name="certification_unique_trainer_module",
                violation_error_message=_(
                    "This trainer already has a certification for this module."
                ),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("awarded_on")),
                name="certification_expires_after_award",
                violation_error_message=_("A certification must expire after it was awarded."),
            ),
            models.CheckConstraint(
                condition=Q(level__in=["candidate", "certified", "master"]),
                name="certification_level_valid",
            ),
        ]
        indexes = [models.Index(fields=["module", "level"], name="certification_module_level")]

    def __str__(self) -> str:
        return f"{self.trainer} — {self.module.code} ({self.get_level_display()})"

    def allows_leading_on(self, day) -> bool:
        return (
            self.level in self.LEADING_LEVELS
            and self.awarded_on <= day
            and (self.expires_on is None or day <= self.expires_on)
        )
