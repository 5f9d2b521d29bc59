from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dashboards.views import public as public_pages
from score_platform.health import HealthView
from score_platform.security import LoginView

admin.site.site_header = "SCORE Platform — ILO administration"
admin.site.site_title = "SCORE Platform"
admin.site.index_title = "Programme administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", HealthView.as_view(), name="health"),
    path("api/v1/", include("score_platform.api_urls", namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file of its own: no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path(
        "accounts/login/",
        LoginView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("enterprises/", include("enterprises.urls")),
    path("training/", include("modules.urls")),
    path("kpis/", include("reports.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("impact/", public_pages.impact, name="impact"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.urls")),
]
