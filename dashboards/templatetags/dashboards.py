"""Template helpers of the dashboards: locale-aware figures and per-table export links."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from reports import caching

register = template.Library()


class KeptNode(template.Node):
    def __init__(self, name: str, varying, nodelist) -> None:
        self.name = name
        self.varying = varying
        self.nodelist = nodelist

    def render(self, context) -> str:
        name = ":".join([self.name, *(str(part.resolve(context)) for part in self.varying)])
        return caching.kept_fragment(
            context.get("kept_as", ""), name, lambda: self.nodelist.render(context)
        )


@register.tag
def kept(parser, token):
    """``{% kept "name" [value …] %}…{% endkept %}``: a section of a dashboard rendered
    once per ``kept_as`` key (reports.caching.fragments_key) and values (a table's page
    number, say), then served as it was. The view hands its figures over as callables,
    so the figures of a kept section are not even counted. Sections holding a form with
    a CSRF token, or what changes without an aggregation run, stay outside."""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("{% kept %} takes a quoted name first.")
    varying = [parser.compile_filter(bit) for bit in bits[2:]]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(bits[1][1:-1], varying, nodelist)


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
