from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ScorePlatformConfig(AppConfig):
    name = "score_platform"
    verbose_name = "SCORE Platform"

    def ready(self):
        from score_platform import security  # noqa: F401  (connects the security log)


class ScoreAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the ILO-only site as ``admin.site``."""

    # Not picked as score_platform's own config: INSTALLED_APPS names it explicitly.
    default = False
    default_site = "score_platform.admin.ScoreAdminSite"
