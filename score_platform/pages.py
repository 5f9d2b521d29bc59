"""Shared pieces of the web pages: pagination and the CSV/XLSX export of a list."""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet

# From this many rows in, a page's rows are found by their ids first (see below).
DEFERRED_JOIN_FROM = 1_000


class DeepPaginator(Paginator):
    """Page-number pages that stay cheap deep into a large list.

    ``OFFSET n`` makes the database read every one of the n rows before the page. From
    DEFERRED_JOIN_FROM rows in, the page's ids are picked first, from the ordering's index
    alone, and only the page's rows are then read (a "deferred join"): one query still, and
    the same rows in the same order.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if isinstance(rows, QuerySet) and bottom >= DEFERRED_JOIN_FROM and rows.ordered:
            ids = rows.values("pk")[bottom:top]
            return self._get_page(rows.filter(pk__in=ids), number, self)
        return self._get_page(rows[bottom:top], number, self)


def paginate(request, queryset, *, per_page: int | None = None) -> dict:
    """The page asked for (a bad number gives the nearest page) and the links around it."""
    paginator = DeepPaginator(queryset, per_page or settings.PORTAL_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page_range = [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return {"page_obj": page, "page_range": page_range, "object_list": page.object_list}


EXPORT_FORMATS = ("csv", "xlsx")


def export_requested(request) -> str | None:
    export_format = request.GET.get("export")
    return export_format if export_format in EXPORT_FORMATS else None


def export_response(request, *, filename: str, title: str, columns, queryset):
    """The filtered list as CSV or XLSX, or a redirect back when it is too big to export.

    Exports read the same scoped and filtered queryset as the page; a very large export
    is refused with a message rather than tying up a web process.
    """
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from score_platform.exports import csv_response, xlsx_response

    export_format = export_requested(request)
    limit = settings.EXPORT_MAX_ROWS
    if queryset.count() > limit:
        messages.error(
            request,
            _("This list has more than %(limit)s rows; narrow the filter to export it.")
            % {"limit": limit},
        )
        query = request.GET.copy()
        query.pop("export", None)
        return redirect(f"{request.path}?{query.urlencode()}")
    objects = queryset.iterator(chunk_size=2000)
    if export_format == "csv":
        return csv_response(filename, columns, objects)
    return xlsx_response(filename, columns, objects, title=title)
