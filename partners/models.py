from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from score_platform.models import TimeStampedModel


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        ILO = "ilo", _("ILO")
        PARTNER = "partner", _("Partner")
        BRAND = "brand", _("Brand")
        DONOR = "donor", _("Donor")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    countries = CountryField(_("countries"), multiple=True, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["ilo", "partner", "brand", "donor"]),
                name="organisation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ILO_ADMIN = "ilo_admin", _("ILO administrator")
    ILO_OFFICER = "ilo_officer", _("ILO officer")
    PARTNER_MANAGER = "partner_manager", _("Partner manager")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    BRAND_VIEWER = "brand_viewer", _("Brand viewer")


# The organisation kind each role belongs to (access.md).
ROLE_ORGANISATION_KIND = {
    Role.ILO_ADMIN: Organisation.Kind.ILO,
    Role.ILO_OFFICER: Organisation.Kind.ILO,
    Role.PARTNER_MANAGER: Organisation.Kind.PARTNER,
    Role.PARTNER_STAFF: Organisation.Kind.PARTNER,
    Role.BRAND_VIEWER: Organisation.Kind.BRAND,
}


class Membership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organisation__name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_active=True),
                name="membership_one_active_per_user",
                violation_error_message=_("This user already has an active membership."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=[choice.value for choice in Role]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class Licence(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="licences",
        limit_choices_to={"kind": Organisation.Kind.PARTNER},
        verbose_name=_("partner"),
    )
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    countries = CountryField(_("countries"), multiple=True)
    modules = models.ManyToManyField(
        "modules.TrainingModule", related_name="licences", verbose_name=_("modules")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    history = HistoricalRecords(m2m_fields=[modules])

    class Meta:
        ordering = ["partner__name", "reference"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")),
                name="licence_valid_until_after_valid_from",
                violation_error_message=_("A licence cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "terminated"]),
                name="licence_status_valid",
            ),
            models.CheckConstraint(condition=~Q(countries=""), name="licence_has_countries"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.partner})"


class SupplierLink(TimeStampedModel):
    """A brand's link to one of its suppliers; only a granted link opens the enterprise."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        GRANTED = "granted", _("Granted")
        REVOKED = "revoked", _("Revoked")

    brand = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="supplier_links",
        limit_choices_to={"kind": Organisation.Kind.BRAND},
        verbose_name=_("brand"),
    )
    # Null while a brand's request names no enterprise the platform knows: the request is
    # recorded all the same, so its answer never tells a brand whether an id exists.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="supplier_links",
        verbose_name=_("enterprise"),
    )
    requested_enterprise_id = models.BigIntegerField(
        _("requested enterprise id"), null=True, blank=True
    )
    requested_os_id = models.CharField(_("requested Open Supply Hub ID"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("supplier link")
        verbose_name_plural = _("supplier links")
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "enterprise"],
                condition=Q(enterprise__isnull=False),
                name="supplier_link_unique_brand_enterprise",
                violation_error_message=_("This brand already has a link to this enterprise."),
            ),
            models.CheckConstraint(
                condition=Q(status="requested") | Q(enterprise__isnull=False),
                name="supplier_link_decided_needs_enterprise",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "granted", "revoked"]),
                name="supplier_link_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="requested", decided_at__isnull=True)
                | Q(status__in=["granted", "revoked"], decided_at__isnull=False),
                name="supplier_link_decided_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="supplier_link_ent_status"),
            # A brand's granted suppliers (every brand-scoped read) and its newest requests.
            models.Index(
                fields=["brand", "status", "enterprise"], name="supplier_link_brand_status"
            ),
            models.Index(
                fields=["brand", "-requested_at", "-id"], name="supplier_link_brand_newest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} → {self.requested_target} ({self.get_status_display()})"

    @property
    def requested_target(self) -> str:
        """What the brand asked for, or the enterprise once the link is granted.

        Never the name of an enterprise behind a request that is not granted: that would
        tell the brand the id exists and whose it is.
        """
        if self.status == self.Status.GRANTED and self.enterprise_id:
            return str(self.enterprise)
        if self.requested_os_id:
            return self.requested_os_id
        return f"#{self.requested_enterprise_id or self.enterprise_id}"

    @property
    def granted_enterprise(self):
        """The enterprise this link opens to its brand: only a granted link opens one."""
        return self.enterprise if self.status == self.Status.GRANTED else None
