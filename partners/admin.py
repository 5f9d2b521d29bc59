from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from partners import permissions, services
from partners.access import principal_of
from partners.models import Licence, Membership, Organisation, Role, SupplierLink
from partners.selectors import (
    licences_visible_to,
    memberships_visible_to,
    organisations_visible_to,
    supplier_links_visible_to,
    users_visible_to,
)
from score_platform.admin import (
    ScoreHistoryAdmin,
    ScoreModelAdmin,
    ScoreTabularInline,
    ServiceWritesMixin,
)

User = get_user_model()

# Rights come from memberships and their roles (access.md), not from Django groups.
admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(Organisation)
class OrganisationAdmin(ScoreModelAdmin):
    selector = organisations_visible_to
    list_display = ("name", "short_name", "kind", "countries", "website")
    list_filter = ("kind",)
    search_fields = ("name", "short_name")
    fields = ("name", "short_name", "kind", "countries", "website")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def may_change(self, user, obj=None):
        return permissions.can_manage_organisations(user)

    def validate_instance(self, instance, *, form):
        if not instance._state.adding and "kind" in form.changed_data:
            services.organisation_validate_kind_change(organisation=instance, kind=instance.kind)

    def create_instance(self, request, data, *, form):
        return services.organisation_create(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.organisation_update(actor=request.user, organisation=instance, **changes)

    def delete_instance(self, request, instance):
        services.organisation_delete(actor=request.user, organisation=instance)


class MembershipHooks:
    """The membership services, shared by the membership admin and the inline on a user."""

    def may_change(self, user, obj=None):
        organisation_id = obj.organisation_id if isinstance(obj, Membership) else None
        return permissions.can_manage_memberships(user, organisation_id=organisation_id)

    def validate_instance(self, instance, *, form):
        services.membership_validate(instance)

    def create_instance(self, request, data, *, form):
        return services.membership_save(actor=request.user, membership=Membership(**data))

    def update_instance(self, request, instance, changes, *, form):
        for name, value in changes.items():
            setattr(instance, name, value)
        return services.membership_save(actor=request.user, membership=instance)

    def delete_instance(self, request, instance):
        services.membership_delete(actor=request.user, membership=instance)


@admin.register(Membership)
class MembershipAdmin(MembershipHooks, ScoreModelAdmin):
    selector = memberships_visible_to
    list_display = ("user", "organisation", "role", "is_active")
    list_select_related = ("user", "organisation")
    list_filter = ("role", "is_active", "organisation__kind")
    search_fields = ("user__username", "user__email", "organisation__name")
    autocomplete_fields = ("user", "organisation")
    fields = ("user", "organisation", "role", "is_active")
    frozen_fields = ("user",)


class MembershipInline(MembershipHooks, ScoreTabularInline):
    model = Membership
    fields = ("organisation", "role", "is_active")
    autocomplete_fields = ("organisation",)
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")


@admin.register(Licence)
class LicenceAdmin(ScoreHistoryAdmin):
    selector = licences_visible_to
    list_display = (
        "reference",
        "partner",
        "countries",
        "module_codes",
        "valid_from",
        "valid_until",
        "status",
    )
    list_select_related = ("partner",)
    list_filter = ("status", "partner")
    search_fields = ("reference", "partner__name")
    autocomplete_fields = ("partner", "modules")
    date_hierarchy = "valid_from"
    fields = ("partner", "reference", "countries", "modules", "valid_from", "valid_until", "status")
    frozen_fields = ("partner",)

    @admin.display(description=_("modules"))
    def module_codes(self, licence):
        # The selector prefetches the modules: no query per row.
        return ", ".join(module.code for module in licence.modules.all())

    def may_change(self, user, obj=None):
        return permissions.can_manage_licences(user)

    def validate_instance(self, instance, *, form):
        services.licence_validate(instance, modules=form.cleaned_data.get("modules"))

    def create_instance(self, request, data, *, form):
        return services.licence_create(actor=request.user, **data)

    def update_instance(self, request, instance, changes, *, form):
        return services.licence_update(actor=request.user, licence=instance, **changes)

    def delete_instance(self, request, instance):
        services.licence_delete(actor=request.user, licence=instance)


@admin.register(SupplierLink)
class SupplierLinkAdmin(ScoreHistoryAdmin):
    """Brands request links in the portal or the API; here ILO administrators decide them."""

    selector = supplier_links_visible_to
    list_display = (
        "brand",
        "enterprise",
        "requested_enterprise_id",
        "requested_os_id",
        "status",
        "requested_at",
        "decided_at",
    )
    list_select_related = ("brand", "enterprise")
    list_filter = ("status", "brand")
    search_fields = ("brand__name", "enterprise__name", "requested_os_id")
    autocomplete_fields = ("brand", "enterprise")
    date_hierarchy = "requested_at"
    show_full_result_count = False
    fields = (
        "brand",
        "enterprise",
        "requested_enterprise_id",
        "requested_os_id",
        "status",
        "requested_at",
        "requested_by",
        "decided_at",
        "decided_by",
    )
    readonly_fields = fields
    actions = ("grant_links", "revoke_links")

    def has_decide_permission(self, request):
        # The admin's rule (ILO administrators); the service checks its own on each link.
        return self.may_change(request.user)

    @admin.action(description=_("Grant the selected links"), permissions=["decide"])
    def grant_links(self, request, queryset):
        self._decide(request, queryset, services.supplier_link_grant)

    @admin.action(description=_("Revoke the selected links"), permissions=["decide"])
    def revoke_links(self, request, queryset):
        self._decide(request, queryset, services.supplier_link_revoke)

    def _decide(self, request, queryset, decide):
        decided = 0
        for link in queryset.select_related("enterprise"):
            try:
                decide(actor=request.user, link=link)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{link}: {text}", messages.ERROR)
            else:
                decided += 1
        if decided:
            self.message_user(
                request, _("%(count)s link(s) decided.") % {"count": decided}, messages.SUCCESS
            )


class UserAccountCreationForm(AdminUserCreationForm):
    """A new login comes with its one membership: the organisation and the role."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), label=_("organisation")
    )
    role = forms.ChoiceField(choices=Role.choices, label=_("role"))

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email", "is_staff")

    def clean(self):
        cleaned_data = super().clean()
        organisation, role = cleaned_data.get("organisation"), cleaned_data.get("role")
        if organisation and role:
            try:
                services.membership_validate(Membership(organisation=organisation, role=role))
            except ValidationError as error:
                for field, field_errors in error.error_dict.items():
                    self.add_error("role" if field not in self.fields else field, field_errors)
        return cleaned_data


@admin.register(User)
class UserAdmin(ServiceWritesMixin, DjangoUserAdmin):
    selector = users_visible_to
    add_form = UserAccountCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Rights"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                    "organisation",
                    "role",
                    "is_staff",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "email", "first_name", "last_name", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser", "memberships__role")
    filter_horizontal = ()
    inlines = (MembershipInline,)

    def may_change(self, user, obj=None):
        return permissions.can_manage_users(user)

    def create_instance(self, request, data, *, form):
        cleaned = form.cleaned_data
        return services.user_create_with_membership(
            actor=request.user,
            username=cleaned["username"],
            # No password when password-based login is disabled: the login is unusable.
            password=cleaned["password1"] if cleaned.get("set_usable_password") else None,
            organisation=cleaned["organisation"],
            role=cleaned["role"],
            email=cleaned.get("email", ""),
            is_staff=cleaned.get("is_staff", False),
        )

    def update_instance(self, request, instance, changes, *, form):
        changes.pop("password", None)  # changed on its own page, with its own form
        return services.user_update(actor=request.user, user=instance, **changes)

    def has_delete_permission(self, request, obj=None):
        # Logins are deactivated, not deleted: the audit history keeps pointing at them.
        return False


# --- API tokens: ILO administrators list and revoke anyone's ------------------------------

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(TokenAdmin):
    list_display = ("token_id", "user", "created")
    readonly_fields = ("token_id", "created")
    fields = ("user", "token_id", "created")

    @admin.display(description=_("token"))
    def token_id(self, token):
        return f"{token.key[:8]}…" if token.key else ""

    def _is_ilo_admin(self, request) -> bool:
        return principal_of(request.user).is_ilo_admin

    def has_module_permission(self, request):
        return self._is_ilo_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_ilo_admin(request)

    def has_add_permission(self, request):
        return self._is_ilo_admin(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._is_ilo_admin(request)

    def save_model(self, request, obj, form, change):
        obj.key = services.api_token_issue(actor=obj.user, request=request).key

    def delete_model(self, request, obj):
        services.api_token_revoke(actor=request.user, token=obj, request=request)
