"""The ILO staff admin: one site, rights from the role, and every write through the services.

Partners and brands work in the portal and the API; the admin is for ILO staff only
(access.md). Model-level rights come from the role, not from Django's model
permissions: any ILO role may look, ILO administrators may change everything and ILO
officers the programme's progress data. Each admin names the service functions of its
model (``create_instance``, ``update_instance``, ``delete_instance``,
``validate_instance``), so a form shows the same rule the API enforces, in the same
words, before anything is saved.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import transaction
from django.forms.models import BaseInlineFormSet, InlineForeignKeyField, construct_instance
from django.http import HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from partners.access import principal_of


class ILOAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login refuses partner and brand users, whatever their staff flag says."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not principal_of(user).is_ilo:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class ScoreAdminSite(admin.AdminSite):
    site_header = gettext_lazy("SCORE Platform — ILO administration")
    site_title = gettext_lazy("SCORE Platform")
    index_title = gettext_lazy("Programme administration")
    login_form = ILOAdminAuthenticationForm

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and principal_of(user).is_ilo)

    def login(self, request, extra_context=None):
        from score_platform.security import client_address, serialized_login, username_of

        if request.method != "POST":
            return super().login(request, extra_context)
        with serialized_login(username_of(request), client_address(request)):
            return super().login(request, extra_context)


# --- rights from the role -----------------------------------------------------------------


class RoleRightsMixin:
    """View: any ILO role. Add, change, delete: whoever ``may_change`` allows.

    ``may_change`` defaults to ILO administrators; the admins of the progress data
    (access.md: enterprises, enrolments, sessions, visits, KPIs...) widen it to ILO
    officers through the apps' permission predicates. An action also needs its service:
    an admin without ``create_instance`` offers no add, without ``delete_instance`` no
    delete.
    """

    def may_change(self, user, obj=None) -> bool:
        return principal_of(user).is_ilo_admin

    def _offers(self, hook: str) -> bool:
        return getattr(type(self), hook) is not getattr(ServiceHooksMixin, hook, None)

    def has_module_permission(self, request):
        return principal_of(request.user).is_ilo

    def has_view_permission(self, request, obj=None):
        return principal_of(request.user).is_ilo

    def has_add_permission(self, request, obj=None):
        return (
            self._offers("create_instance")
            and principal_of(request.user).is_ilo
            and self.may_change(request.user, obj)
        )

    def has_change_permission(self, request, obj=None):
        return (
            self._offers("update_instance")
            and principal_of(request.user).is_ilo
            and self.may_change(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return (
            self._offers("delete_instance")
            and principal_of(request.user).is_ilo
            and self.may_change(request.user, obj)
        )


class ServiceHooksMixin:
    """The service calls of one model; the admins and inlines override what their model has."""

    #: Fields the services never change once recorded: read-only on a change page, and an
    #: error when changed in an existing inline row.
    frozen_fields: tuple[str, ...] = ()

    def validate_instance(self, instance, *, form) -> None:
        """Run the model's ``<model>_validate`` on the form's unsaved instance."""

    def create_instance(self, request, data: dict, *, form):
        raise NotImplementedError

    def update_instance(self, request, instance, changes: dict, *, form):
        raise NotImplementedError

    def delete_instance(self, request, instance) -> None:
        raise NotImplementedError


def bind_services(form_class, owner):
    """Give a generated form class its admin's validation hook and frozen fields."""
    form_class.validate_with_services = staticmethod(owner.validate_instance)
    form_class.frozen_fields = tuple(owner.frozen_fields)
    return form_class


# --- forms that validate with the services --------------------------------------------------


class ServiceModelForm(forms.ModelForm):
    """A model form whose validation includes the service's ``<model>_validate``.

    The domain validation runs once the fields are clean and before the generic
    constraint check, so a rule reads as a field error in the service's words rather than
    as a bare constraint message. Many-to-many fields are written by the services, never
    by the form.
    """

    validate_with_services = None
    frozen_fields: tuple[str, ...] = ()

    def _post_clean(self):
        opts = self._meta
        exclude = self._get_validation_exclusions()
        for name, field in self.fields.items():
            if isinstance(field, InlineForeignKeyField):
                exclude.add(name)
        try:
            self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)
        except ValidationError as error:
            self._update_errors(error)
        try:
            self.instance.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            self._update_errors(error)
        if self._validate_unique:
            self.validate_unique()
        if self._errors or self.cleaned_data.get("DELETE"):
            return
        self._check_frozen_fields()
        if self._errors:
            return
        if self.validate_with_services is not None:
            try:
                self.validate_with_services(self.instance, form=self)
            except ValidationError as error:
                self.add_service_errors(error)
        if not self._errors:
            try:
                self.instance.validate_constraints(exclude=exclude)
            except ValidationError as error:
                self.add_service_errors(error)

    def _check_frozen_fields(self) -> None:
        if self.instance._state.adding:
            return
        for name in self.frozen_fields:
            if name in self.changed_data:
                self.add_error(
                    name,
                    _("This cannot be changed once recorded; delete the line and add a new one."),
                )

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's errors on their fields; one about a field the form lacks on top."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, field_errors in error.error_dict.items():
            messages_ = ValidationError(field_errors).messages
            if field in self.fields:
                self.add_error(field, messages_)
            elif field == NON_FIELD_ERRORS:
                self.add_error(None, messages_)
            else:
                label = field_label(self._meta.model, field)
                self.add_error(None, [f"{label}: {message}" for message in messages_])

    def _save_m2m(self):
        """The services set many-to-many fields (licence modules, session trainers)."""


def field_label(model, name: str) -> str:
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return capfirst(name.replace("_", " "))


def form_data(form) -> dict:
    """The cleaned values of the form's model fields, as keyword arguments for a service."""
    opts = form._meta.model._meta
    names = {field.name for field in opts.concrete_fields if not field.primary_key}
    names |= {field.name for field in opts.many_to_many}
    return {name: value for name, value in form.cleaned_data.items() if name in names}


def form_changes(form) -> dict:
    """The model fields the user changed; the form's initial values are the stored ones."""
    data = form_data(form)
    return {name: data[name] for name in form.changed_data if name in data}


def adopt(target, saved) -> None:
    """Make the admin's object reflect what the service saved (its id, its final values)."""
    if target is saved:
        return
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db
    target._state.fields_cache = dict(saved._state.fields_cache)


class ScoreInlineFormSet(BaseInlineFormSet):
    """Rows share their parent object, so showing or validating a row never fetches it again."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.instance.pk is not None:
            setattr(form.instance, self.fk.name, self.instance)
        return form


class RecentFirstInlineFormSet(ScoreInlineFormSet):
    """Shows only the newest rows of a long relation; the full list has its own changelist."""

    limit = 24

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset()[: self.limit]
        return self._queryset


# --- the admin bases -----------------------------------------------------------------------------


class ServiceWritesMixin(ServiceHooksMixin, RoleRightsMixin):
    """Saves and deletes of a ModelAdmin (and its inlines) through the service functions."""

    #: A scoped read of the model (``enterprises_visible_to``...); the site admits ILO staff
    #: only, but every read still goes through the one scoping path.
    selector = None

    def get_queryset(self, request):
        if self.selector is None:
            return super().get_queryset(request)
        queryset = type(self).selector(request.user)
        if isinstance(self.list_select_related, list | tuple):
            # The changelist skips list_select_related on a queryset that already joins
            # (as most selectors do), so join the listed columns here.
            queryset = queryset.select_related(*self.list_select_related)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_form(self, request, obj=None, change=False, **kwargs):
        return bind_services(super().get_form(request, obj, change=change, **kwargs), self)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += tuple(name for name in self.frozen_fields if name not in readonly)
        return readonly

    def get_inlines(self, request, obj):
        # Inline rows hang off a saved parent; on an add page there is none yet.
        return self.inlines if obj is not None else ()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # The forms ran the same validation; this is a conflict that arose between
            # validation and the write (or between two rows of one submission). The
            # transaction was rolled back: say why and let the user try again.
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if change:
            changes = form_changes(form)
            if not changes:
                return
            current = self.get_queryset(request).get(pk=obj.pk)
            saved = self.update_instance(request, current, changes, form=form)
        else:
            saved = self.create_instance(request, form_data(form), form=form)
        adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        # No form.save_m2m(): the services already wrote the many-to-many fields.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        inline = formset.service_owner
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.initial_forms:
            if row.instance.pk is None:
                continue
            if formset.can_delete and formset._should_delete_form(row):
                inline.delete_instance(request, row.instance)
                formset.deleted_objects.append(row.instance)
            elif row.has_changed():
                changes = form_changes(row)
                if changes:
                    current = formset.model._default_manager.get(pk=row.instance.pk)
                    saved = inline.update_instance(request, current, changes, form=row)
                    formset.changed_objects.append((saved, list(changes)))
        for row in formset.extra_forms:
            if not row.has_changed() or (formset.can_delete and formset._should_delete_form(row)):
                continue
            saved = inline.create_instance(request, form_data(row), form=row)
            adopt(row.instance, saved)
            formset.new_objects.append(saved)

    def delete_model(self, request, obj):
        self.delete_instance(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_instance(request, obj)


class ScoreModelAdmin(ServiceWritesMixin, admin.ModelAdmin):
    form = ServiceModelForm


class ScoreHistoryAdmin(ScoreModelAdmin, SimpleHistoryAdmin):
    """For models with ``history = HistoricalRecords()``: the history view shows who and when.

    Reverting from the history is off: a revert would write an old version back without
    the services' rules (forward-only status, licence coverage...); make the change on the
    change page instead.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(_("Versions are read-only; make the change on the change page."))
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScoreInlineMixin(ServiceHooksMixin, RoleRightsMixin):
    """Inline rows validated and saved by their own model's services."""

    form = ServiceModelForm
    formset = ScoreInlineFormSet
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            # Rows stay one line high: no edit/add/delete/view buttons beside each choice.
            widget = formfield.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.service_owner = self
        bind_services(formset.form, self)
        return formset


class ScoreTabularInline(ScoreInlineMixin, admin.TabularInline):
    pass


class ScoreStackedInline(ScoreInlineMixin, admin.StackedInline):
    pass
