"""The REST API v1 (api.md): one router over every app's viewsets, mounted at ``api/v1/``."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from enterprises.api import EnterpriseViewSet, ParticipantViewSet
from modules.api import (
    ClassroomSessionViewSet,
    EnrolmentViewSet,
    ImprovementProjectViewSet,
    TrainingModuleViewSet,
    VisitViewSet,
)
from partners.api import (
    ApiTokenViewSet,
    LicenceViewSet,
    OrganisationViewSet,
    SupplierLinkViewSet,
    TokenView,
)
from reports.api import (
    AggregationRunViewSet,
    IndicatorViewSet,
    KpiMeasurementViewSet,
    KpiSummaryView,
    ReachView,
    RecomputeView,
)
from trainers.api import CertificationViewSet, TrainerViewSet

app_name = "api"

router = DefaultRouter()
router.include_format_suffixes = False
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("licences", LicenceViewSet, basename="licence")
router.register("modules", TrainingModuleViewSet, basename="module")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("trainers", TrainerViewSet, basename="trainer")
router.register("certifications", CertificationViewSet, basename="certification")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("participants", ParticipantViewSet, basename="participant")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("classroom-sessions", ClassroomSessionViewSet, basename="classroom-session")
router.register("visits", VisitViewSet, basename="visit")
router.register("improvement-projects", ImprovementProjectViewSet, basename="improvement-project")
router.register("kpi-measurements", KpiMeasurementViewSet, basename="kpi-measurement")
router.register("supplier-links", SupplierLinkViewSet, basename="supplier-link")
router.register("reports/aggregation-runs", AggregationRunViewSet, basename="aggregation-run")


@csrf_exempt
def not_found(request, path=""):
    """Any other path under the API answers a 404 in the API's shape, not an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("reports/kpi-summary/", KpiSummaryView.as_view(), name="report-kpi-summary"),
    path("reports/reach/", ReachView.as_view(), name="report-reach"),
    path("reports/recompute/", RecomputeView.as_view(), name="report-recompute"),
    # The caller's own tokens only (no one else's id is ever looked up).
    path("auth/tokens/", ApiTokenViewSet.as_view({"get": "list"}), name="api-token-list"),
    path(
        "auth/tokens/<str:key>/",
        ApiTokenViewSet.as_view({"delete": "destroy"}),
        name="api-token-detail",
    ),
    path("", include(router.urls)),
    re_path(r"^(?P<path>[\s\S]*)$", not_found, name="not-found"),
]
