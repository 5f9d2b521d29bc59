"""Shared pieces of the web pages: pagination and the CSV/XLSX export of a list."""

from django.conf import settings
from django.core.paginator import Paginator


def paginate(request, queryset, *, per_page: int | None = None) -> dict:
    """The page asked for (a bad number gives the nearest page) and the links around it."""
    paginator = Paginator(queryset, per_page or settings.PORTAL_PAGE_SIZE)
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
