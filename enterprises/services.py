"""Every write to enterprises and participants."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, Participant
from enterprises.permissions import can_manage_enterprise, can_record_progress
from partners.access import principal_of
from partners.models import Organisation
from partners.selectors import partner_licensed_in_country
from reports.services import results_stale
from score_platform.permissions import require
from score_platform.services import Errors, apply_changes, save_validated

ENTERPRISE_FIELDS = {
    "name",
    "country",
    "city",
    "sector",
    "os_id",
    "employees_total",
    "employees_female",
    "registration_number",
    "status",
    "partner",
}
PARTICIPANT_FIELDS = {"full_name", "role", "gender", "contract", "is_eit_member"}
# Fields the computed figures depend on: the groups an enterprise counts in, and its size.
FIELDS_IN_FIGURES = {"country", "sector", "partner", "employees_total"}


def enterprise_validate(enterprise: Enterprise, *, check_licence: bool = True) -> None:
    """The rules of domain.md for an enterprise, in words a partner understands."""
    errors = Errors()
    total, female = enterprise.employees_total, enterprise.employees_female
    if total is not None and female is not None and female > total:
        errors.add(
            "employees_female",
            _("Female employees (%(female)s) cannot exceed the total (%(total)s).")
            % {"female": female, "total": total},
        )
    partner = enterprise.partner if enterprise.partner_id else None
    if partner is not None and partner.kind != Organisation.Kind.PARTNER:
        errors.add("partner", _("An enterprise is served by a partner organisation."))
    elif (
        check_licence
        and partner is not None
        and enterprise.country
        and not partner_licensed_in_country(
            partner_id=partner.pk, country=enterprise.country, on=timezone.localdate()
        )
    ):
        errors.add(
            "country",
            _("%(partner)s has no active licence covering %(country)s.")
            % {"partner": partner.name, "country": enterprise.country.name},
        )
    duplicates = Enterprise.objects.exclude(pk=enterprise.pk)
    if enterprise.os_id and duplicates.filter(os_id=enterprise.os_id).exists():
        errors.add("os_id", _("Another enterprise already has this Open Supply Hub ID."))
    if (
        enterprise.registration_number
        and enterprise.country
        and duplicates.filter(
            country=enterprise.country, registration_number=enterprise.registration_number
        ).exists()
    ):
        errors.add(
            "registration_number",
            _("Another enterprise in this country already has this registration number."),
        )
    errors.raise_if_any()


@transaction.atomic
def enterprise_register(*, actor, partner: Organisation, **fields) -> Enterprise:
    require(
        can_manage_enterprise(actor, partner_id=partner.pk),
        _("You may not register enterprises for this partner."),
    )
    enterprise = Enterprise(partner=partner)
    apply_changes(enterprise, fields, allowed=ENTERPRISE_FIELDS - {"partner"})
    enterprise.os_id = (enterprise.os_id or "").strip()
    enterprise_validate(enterprise)
    save_validated(enterprise, actor=actor)
    results_stale(enterprise.pk, kpis=False)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor, enterprise: Enterprise, **changes) -> Enterprise:
    require(
        can_manage_enterprise(actor, partner_id=enterprise.partner_id),
        _("You may not change this enterprise."),
    )
    if "partner" in changes and changes["partner"] != enterprise.partner:
        # Moving an enterprise to another partner is an ILO decision.
        require(
            principal_of(actor).is_ilo, _("Only ILO staff move an enterprise to another partner.")
        )
    changed = apply_changes(enterprise, changes, allowed=ENTERPRISE_FIELDS)
    if "os_id" in changed:
        enterprise.os_id = (enterprise.os_id or "").strip()
    enterprise_validate(enterprise, check_licence=bool({"country", "partner"} & changed))
    save_validated(enterprise, actor=actor)
    if changed & FIELDS_IN_FIGURES:
        results_stale(enterprise.pk, kpis=False)
    return enterprise


@transaction.atomic
def enterprise_delete(*, actor, enterprise: Enterprise) -> None:
    require(
        can_manage_enterprise(actor, partner_id=enterprise.partner_id),
        _("You may not delete this enterprise."),
    )
    enterprise._history_user = actor
    enterprise_id = enterprise.pk
    enterprise.delete()
    results_stale(enterprise_id)


def participant_validate(participant: Participant) -> None:
    errors = Errors()
    if not (participant.full_name or "").strip():
        errors.add("full_name", _("Give the participant's full name."))
    errors.raise_if_any()


@transaction.atomic
def participant_create(*, actor, enterprise: Enterprise, **fields) -> Participant:
    require(
        can_record_progress(actor, partner_id=enterprise.partner_id),
        _("You may not add participants to this enterprise."),
    )
    participant = Participant(enterprise=enterprise)
    apply_changes(participant, fields, allowed=PARTICIPANT_FIELDS)
    participant_validate(participant)
    save_validated(participant, actor=actor)
    return participant


@transaction.atomic
def participant_update(*, actor, participant: Participant, **changes) -> Participant:
    require(
        can_record_progress(actor, partner_id=participant.enterprise.partner_id),
        _("You may not change this participant."),
    )
    changed = apply_changes(participant, changes, allowed=PARTICIPANT_FIELDS, frozen={"enterprise"})
    participant_validate(participant)
    save_validated(participant, actor=actor)
    if changed & {"role", "gender"}:
        results_stale(participant.enterprise_id, kpis=False)
    return participant


@transaction.atomic
def participant_delete(*, actor, participant: Participant) -> None:
    require(
        can_record_progress(actor, partner_id=participant.enterprise.partner_id),
        _("You may not remove this participant."),
    )
    enterprise_id = participant.enterprise_id
    participant.delete()
    results_stale(enterprise_id, kpis=False)
