from django.apps import AppConfig


class ScorePlatformConfig(AppConfig):
    name = "score_platform"
    verbose_name = "SCORE Platform"
