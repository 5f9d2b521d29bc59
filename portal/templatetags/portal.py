"""Template helpers of the portal pages."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from modules.models import ImprovementProject
from score_platform import widgets

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, field: str, label: str, parameter: str = "ordering"):
    """A column heading that sorts the list by ``field``, toggling the direction.

    The link keeps the current filters; ``aria-sort`` tells screen readers the order.
    """
    request = context["request"]
    current = request.GET.get(parameter, "")
    if current == field:
        target, aria, arrow = f"-{field}", "ascending", "▲"
    elif current == f"-{field}":
        target, aria, arrow = field, "descending", "▼"
    else:
        target, aria, arrow = field, None, ""
    query = request.GET.copy()
    query[parameter] = target
    query.pop("page", None)
    link = format_html(
        '<a href="?{}" class="link-body-emphasis text-decoration-none">{} '
        '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></a>',
        query.urlencode(),
        label,
        arrow,
        _("(sort)"),
    )
    if aria:
        return format_html('<th scope="col" aria-sort="{}">{}</th>', aria, link)
    return format_html('<th scope="col">{}</th>', link)


@register.simple_tag(takes_context=True)
def export_link(context, export_format: str):
    """The current list's URL (with its filters) as a CSV or XLSX download."""
    query = context["request"].GET.copy()
    query["export"] = export_format
    query.pop("page", None)
    return f"?{query.urlencode()}"


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when absent)."""
    if mapping is None:
        return None
    return mapping.get(key)


@register.filter
def past_due(project) -> bool:
    """An improvement project still open or in progress after its due date."""
    return bool(
        project.due_on
        and project.due_on < timezone.localdate()
        and project.status
        in (ImprovementProject.Status.OPEN, ImprovementProject.Status.IN_PROGRESS)
    )


@register.simple_tag
def filter_field(field):
    """One filter of a list page (score_platform.widgets.filter_field)."""
    return widgets.filter_field(field)
