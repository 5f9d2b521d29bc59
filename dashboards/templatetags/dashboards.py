"""Template helpers of the dashboards: locale-aware figures and per-table export links."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def percent(value):
    """A percentage with one decimal in the reader's language, or a dash when missing."""
    if value is None:
        return "—"
    return f"{floatformat(value, 1)} %"


@register.filter
def share_percent(value):
    """A fraction (0–1) as a percentage with one decimal."""
    if value is None:
        return "—"
    return percent(value * 100)


@register.filter
def count(value):
    """A count with the reader's thousands separator, or a dash when missing."""
    if value is None:
        return "—"
    return intcomma(value)


@register.filter
def get_item(mapping, key):
    if mapping is None:
        return None
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def table_export(context, table: str, export_format: str) -> str:
    """The current dashboard URL, with its filters, as a download of one table."""
    query = context["request"].GET.copy()
    query["export"] = export_format
    query["table"] = table
    query.pop("page", None)
    return f"?{query.urlencode()}"


@register.simple_tag
def too_few() -> str:
    return _("too few to show")
