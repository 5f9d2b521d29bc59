"""What the load run, the query counts and the memory figure measure: a list of entries.

Each entry names a persona (a demo login), the kind (``page``: a session cookie;
``api``: a token) and a function giving a few concrete URLs on the profile at hand (the
load run picks one at random per request; the query count uses the first). An entry
whose URL name is not in this build (``NoReverseMatch``) is skipped, so pages that land
later (the dashboards) are just lines here.

Targets (performance.md): pages p95 < 150 ms, API lists p95 < 100 ms at L with 20
concurrent clients and no errors; query counts equal at S and L.
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

ILO = "ilo.officer"
PARTNER = "sgs.manager"
BRAND = "inditex.viewer"

PAGE_P95_MS = 150
API_P95_MS = 100
SAMPLES = 20  # concrete URLs per entry (e.g. 20 different enterprises)


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # "page" or "api"
    persona: str
    urls: Callable  # (context) -> list[str]

    @property
    def target_ms(self) -> int:
        return PAGE_P95_MS if self.kind == "page" else API_P95_MS


def _cursor(position: int) -> str:
    """A DRF cursor at a given id (what following ``next`` long enough gives)."""
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


def _visible_enterprise_ids(context, persona):
    from enterprises.selectors import enterprises_visible_to

    ids = list(
        enterprises_visible_to(context.user(persona)).order_by("id").values_list("id", flat=True)
    )
    step = max(1, len(ids) // SAMPLES)
    return ids[::step][:SAMPLES]


def _measurement_ids(context, persona, fractions=(0.5, 0.6, 0.7, 0.8, 0.9)):
    """Cursor positions in the middle and back of the persona's measurements (by id range:
    a position need not be a stored id, the page starts after it)."""
    from django.db.models import Max, Min

    from reports.selectors import kpi_measurements_visible_to

    bounds = kpi_measurements_visible_to(context.user(persona)).aggregate(
        low=Min("id"), high=Max("id")
    )
    low, high = bounds["low"] or 0, bounds["high"] or 0
    return [int(low + (high - low) * fraction) for fraction in fractions]


def enterprise_list_page(context):
    url = reverse("enterprises:enterprise-list")
    return [url, f"{url}?page=2", f"{url}?ordering=-employees_total", f"{url}?country=CN"]


def _deep_pages(context, persona, per_page):
    """Page numbers at 50 %, 80 % and the end of the persona's enterprise list."""
    from enterprises.selectors import enterprises_visible_to

    pages = max(1, -(-enterprises_visible_to(context.user(persona)).count() // per_page))
    return [max(1, int(pages * 0.5)), max(1, int(pages * 0.8)), "last"]


def enterprise_list_deep_page(context):
    from django.conf import settings

    url = reverse("enterprises:enterprise-list")
    return [f"{url}?page={page}" for page in _deep_pages(context, ILO, settings.PORTAL_PAGE_SIZE)]


def enterprise_detail_page(persona):
    def urls(context):
        return [
            reverse("enterprises:enterprise-detail", args=[pk])
            for pk in _visible_enterprise_ids(context, persona)
        ]

    return urls


def home_page(context):
    return [reverse("portal:home")]


def api_enterprises(context):
    url = reverse("api:enterprise-list")
    return [url, f"{url}?page=2", f"{url}?country=CN", f"{url}?ordering=-employees_total"]


def api_enterprises_deep(context):
    url = reverse("api:enterprise-list")
    return [f"{url}?page={page}" for page in _deep_pages(context, ILO, 50)]


def api_enterprises_brand(context):
    url = reverse("api:enterprise-list")
    return [url, f"{url}?ordering=-employees_total", f"{url}?search=a"]


def api_measurements(context):
    url = reverse("api:kpi-measurement-list")
    return [url, f"{url}?indicator=defect_rate", f"{url}?is_baseline=true"]


def api_measurements_deep(persona):
    def urls(context):
        url = reverse("api:kpi-measurement-list")
        return [f"{url}?cursor={_cursor(pk)}" for pk in _measurement_ids(context, persona)]

    return urls


def api_measurements_of_enterprise(context):
    url = reverse("api:kpi-measurement-list")
    return [f"{url}?enterprise={pk}" for pk in _visible_enterprise_ids(context, ILO)]


def api_supplier_links(context):
    return [reverse("api:supplier-link-list") + "?status=granted"]


def _organisation_id(context, persona):
    from partners.access import principal_of

    return principal_of(context.user(persona)).organisation_id


def programme_dashboard(context):
    url = reverse("dashboards:programme")
    return [url, f"{url}?country=CN"]


def partner_dashboard(context):
    return [reverse("dashboards:partner", args=[_organisation_id(context, PARTNER)])]


def brand_dashboard(context):
    return [reverse("dashboards:brand", args=[_organisation_id(context, BRAND)])]


def api_kpi_summary(scope, persona):
    def urls(context):
        url = reverse("api:report-kpi-summary")
        if scope == "programme":
            return [f"{url}?scope=programme", f"{url}?scope=country&key=CN"]
        return [f"{url}?scope={scope}&key={_organisation_id(context, persona)}"]

    return urls


def api_reach(scope, persona):
    def urls(context):
        url = reverse("api:report-reach")
        if scope == "programme":
            return [f"{url}?scope=programme", f"{url}?scope=country&key=CN"]
        return [f"{url}?scope={scope}&key={_organisation_id(context, persona)}"]

    return urls


def api_aggregation_runs(context):
    return [reverse("api:aggregation-run-list")]


ENTRIES = [
    Entry("page: programme dashboard (ILO)", "page", ILO, programme_dashboard),
    Entry("page: partner dashboard (partner)", "page", PARTNER, partner_dashboard),
    Entry("page: brand dashboard (brand)", "page", BRAND, brand_dashboard),
    Entry("page: enterprise list (ILO)", "page", ILO, enterprise_list_page),
    Entry("page: enterprise list, deep page (ILO)", "page", ILO, enterprise_list_deep_page),
    Entry("page: enterprise list (partner)", "page", PARTNER, enterprise_list_page),
    Entry("page: enterprise detail (partner)", "page", PARTNER, enterprise_detail_page(PARTNER)),
    Entry("page: enterprise detail (brand)", "page", BRAND, enterprise_detail_page(BRAND)),
    Entry("page: home (partner)", "page", PARTNER, home_page),
    Entry("api: enterprises (ILO)", "api", ILO, api_enterprises),
    Entry("api: enterprises, deep page (ILO)", "api", ILO, api_enterprises_deep),
    Entry("api: enterprises (brand)", "api", BRAND, api_enterprises_brand),
    Entry("api: KPI measurements (ILO)", "api", ILO, api_measurements),
    Entry("api: KPI measurements, deep cursor (ILO)", "api", ILO, api_measurements_deep(ILO)),
    Entry(
        "api: KPI measurements, deep cursor (partner)",
        "api",
        PARTNER,
        api_measurements_deep(PARTNER),
    ),
    Entry("api: KPI measurements of one enterprise", "api", ILO, api_measurements_of_enterprise),
    Entry("api: supplier links (brand)", "api", BRAND, api_supplier_links),
    Entry("api: KPI summary (ILO)", "api", ILO, api_kpi_summary("programme", ILO)),
    Entry("api: KPI summary (partner)", "api", PARTNER, api_kpi_summary("partner", PARTNER)),
    Entry("api: KPI summary (brand)", "api", BRAND, api_kpi_summary("brand", BRAND)),
    Entry("api: reach (ILO)", "api", ILO, api_reach("programme", ILO)),
    Entry("api: reach (brand)", "api", BRAND, api_reach("brand", BRAND)),
    Entry("api: aggregation runs (ILO)", "api", ILO, api_aggregation_runs),
]


def resolve(context) -> list[dict]:
    """The entries present in this build, with their concrete URLs."""
    resolved = []
    for entry in ENTRIES:
        try:
            urls = entry.urls(context)
        except NoReverseMatch:
            continue
        resolved.append(
            {
                "name": entry.name,
                "kind": entry.kind,
                "persona": entry.persona,
                "target_ms": entry.target_ms,
                "urls": urls,
            }
        )
    return resolved
