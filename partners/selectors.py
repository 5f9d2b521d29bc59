"""Scoped reads of organisations, memberships, licences and supplier links."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from partners.access import principal_of
from partners.models import Licence, Membership, Organisation, SupplierLink


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """ILO sees every organisation; others their own, the ILO, and their counterparts.

    A partner's counterparts are the brands linked to its enterprises; a brand's are the
    partners serving its granted suppliers.
    """
    principal = principal_of(user)
    organisations = Organisation.objects.all()
    if principal.is_ilo:
        return organisations
    if not principal.has_role:
        return organisations.none()
    visible = Q(pk=principal.organisation_id) | Q(kind=Organisation.Kind.ILO)
    if principal.is_partner:
        visible |= Q(
            pk__in=SupplierLink.objects.filter(
                enterprise__partner_id=principal.organisation_id
            ).values("brand_id")
        )
    elif principal.is_brand:
        visible |= Q(
            pk__in=SupplierLink.objects.filter(
                brand_id=principal.organisation_id, status=SupplierLink.Status.GRANTED
            ).values("enterprise__partner_id")
        )
    return organisations.filter(visible)


def memberships_visible_to(user) -> QuerySet[Membership]:
    principal = principal_of(user)
    memberships = Membership.objects.select_related("user", "organisation")
    if principal.is_ilo:
        return memberships
    if principal.is_partner_manager:
        return memberships.filter(organisation_id=principal.organisation_id)
    if principal.has_role:
        return memberships.filter(user_id=principal.user_id)
    return memberships.none()


def users_visible_to(user):
    """ILO sees every user; a partner manager the users of its organisation; others themselves."""
    principal = principal_of(user)
    users = get_user_model().objects.all()
    if principal.is_ilo:
        return users
    if principal.is_partner_manager:
        return users.filter(
            memberships__organisation_id=principal.organisation_id, memberships__is_active=True
        )
    if principal.has_role:
        return users.filter(pk=principal.user_id)
    return users.none()


def licences_visible_to(user) -> QuerySet[Licence]:
    principal = principal_of(user)
    licences = Licence.objects.select_related("partner").prefetch_related("modules")
    if principal.is_ilo:
        return licences
    if principal.is_partner:
        return licences.filter(partner_id=principal.organisation_id)
    return licences.none()


def supplier_links_visible_to(user) -> QuerySet[SupplierLink]:
    principal = principal_of(user)
    links = SupplierLink.objects.select_related("brand", "enterprise")
    if principal.is_ilo:
        return links
    if principal.is_partner:
        return links.filter(enterprise__partner_id=principal.organisation_id)
    if principal.is_brand:
        return links.filter(brand_id=principal.organisation_id)
    return links.none()


def licences_covering(*, partner_id: int, country: str, module_id: int, on: date):
    """The partner's active licences that cover (country, module, date); not scoped."""
    return Licence.objects.filter(
        partner_id=partner_id,
        status=Licence.Status.ACTIVE,
        valid_from__lte=on,
        valid_until__gte=on,
        countries__contains=str(country),
        modules__id=module_id,
    )


def licence_covers(*, partner_id: int, country: str, module_id: int, on: date) -> bool:
    return licences_covering(
        partner_id=partner_id, country=country, module_id=module_id, on=on
    ).exists()


def partner_licensed_in_country(*, partner_id: int, country: str, on: date) -> bool:
    """Whether any active licence of the partner covers the country on the date."""
    return Licence.objects.filter(
        partner_id=partner_id,
        status=Licence.Status.ACTIVE,
        valid_from__lte=on,
        valid_until__gte=on,
        countries__contains=str(country),
    ).exists()


def partners_served_by(user) -> QuerySet[Organisation]:
    """The partner organisations the user works for: ILO staff any, a partner its own."""
    principal = principal_of(user)
    partners = Organisation.objects.filter(kind=Organisation.Kind.PARTNER)
    if principal.is_ilo:
        return partners
    if principal.is_partner:
        return partners.filter(pk=principal.organisation_id)
    return partners.none()


def api_tokens_visible_to(user):
    """A user's own API tokens; ILO administrators see everyone's (the admin)."""
    from rest_framework.authtoken.models import Token

    tokens = Token.objects.select_related("user").order_by("-created")
    if principal_of(user).is_ilo_admin:
        return tokens
    if not user.is_authenticated:
        return tokens.none()
    return tokens.filter(user=user)
