from datetime import date

from django.urls import path, register_converter

from reports import views


class MonthConverter:
    """A month in the URL as YYYY-MM, to the date of its first day."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        year, month = value.split("-")
        return date(int(year), int(month), 1)

    def to_url(self, value) -> str:
        if isinstance(value, date):
            return value.strftime("%Y-%m")
        return str(value)


register_converter(MonthConverter, "month")

app_name = "reports"

urlpatterns = [
    path(
        "enterprises/<int:enterprise_pk>/<month:period>/",
        views.kpi_entry,
        name="kpi-entry",
    ),
    path(
        "enterprises/<int:enterprise_pk>/indicators/<slug:indicator_code>/history/",
        views.kpi_history,
        name="kpi-history",
    ),
]
