from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("KPI reporting")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from reports.aggregation.functions import register_sqlite

        connection_created.connect(register_sqlite, dispatch_uid="reports.register_sqlite")
