"""The dashboards per role: who sees which, that the figures are the selectors' numbers,
that brands see only their granted suppliers and never small groups or people's names."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import SupplierLink
from reports.aggregation.recompute import recompute_all
from reports.models import AggregationRun, Scope
from reports.selectors import kpi_summary, kpi_trend, public_kpi_summary, reach
from tests.dashboards.conftest import login
from tests.helpers import shown
from tests.kpi_helpers import series

pytestmark = pytest.mark.django_db


# --- who may open which dashboard -------------------------------------------------------


def test_each_role_lands_on_its_own_dashboard(client, world):
    cases = [
        (world.users.ilo_officer, reverse("dashboards:programme")),
        (world.users.sgs_staff, reverse("dashboards:partner", args=[world.sgs.pk])),
        (world.users.inditex_viewer, reverse("dashboards:brand", args=[world.inditex.pk])),
        (world.users.no_role, reverse("portal:home")),
    ]
    for user, target in cases:
        response = login(client, user).get(reverse("dashboards:landing"))
        assert response.status_code == 302
        assert response["Location"] == target


def test_anonymous_is_sent_to_log_in_but_reads_the_public_page(client, results, world):
    for url in (
        reverse("dashboards:programme"),
        reverse("dashboards:partner", args=[world.sgs.pk]),
        reverse("dashboards:brand", args=[world.inditex.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    response = client.get(reverse("impact"))
    assert response.status_code == 200
    assert "Secret Person" not in response.content.decode()


def test_programme_dashboard_is_for_ilo_staff_only(client, world):
    for user in (world.users.sgs_manager, world.users.inditex_viewer, world.users.no_role):
        assert login(client, user).get(reverse("dashboards:programme")).status_code == 403


def test_other_partner_gets_404_for_a_partner_dashboard(client, world):
    login(client, world.users.tuv_manager)
    assert client.get(reverse("dashboards:partner", args=[world.sgs.pk])).status_code == 404
    assert client.get(reverse("dashboards:partner", args=[world.tuv.pk])).status_code == 200
    # A brand's id under the partner URL, and the reverse, are no dashboards at all.
    assert client.get(reverse("dashboards:partner", args=[world.inditex.pk])).status_code == 404


def test_other_brand_gets_404_for_a_brand_dashboard(client, world):
    login(client, world.users.adidas_viewer)
    assert client.get(reverse("dashboards:brand", args=[world.inditex.pk])).status_code == 404
    assert client.get(reverse("dashboards:brand", args=[world.adidas.pk])).status_code == 200
    login(client, world.users.sgs_manager)
    assert client.get(reverse("dashboards:brand", args=[world.inditex.pk])).status_code == 404


def test_ilo_staff_open_any_partner_and_brand_dashboard(client, results, world):
    login(client, world.users.ilo_officer)
    assert client.get(reverse("dashboards:partner", args=[world.tuv.pk])).status_code == 200
    assert client.get(reverse("dashboards:brand", args=[world.adidas.pk])).status_code == 200


# --- the figures are the selectors' numbers ---------------------------------------------


def test_programme_figures_equal_the_selectors(client, results, world):
    user = world.users.ilo_officer
    response = login(client, user).get(reverse("dashboards:programme"))
    assert response.status_code == 200
    programme_reach = reach(user, Scope.PROGRAMME)
    headline = shown(response, "headline")
    assert (
        headline.figures["enterprises_trained"]
        == programme_reach.figures["enterprises_trained"]
        == 4
    )
    assert (
        headline.figures["participants_trained"] == programme_reach.figures["participants_trained"]
    )
    assert shown(response, "summaries") == kpi_summary(user, Scope.PROGRAMME)
    defects = next(s for s in shown(response, "summaries") if s.indicator.code == "defect_rate")
    assert defects.enterprises_reporting == 5
    page = response.content.decode()
    assert 'data-testid="tile-enterprises">4<' in page
    assert shown(response, "series") is not None
    kept = {summary.as_of for summary in kpi_trend(user, Scope.PROGRAMME)}
    assert shown(response, "series").months == sorted(kept)
    assert len(kept) > 1


def test_programme_filtered_by_country_reads_that_country(client, results, world):
    user = world.users.ilo_officer
    response = login(client, user).get(reverse("dashboards:programme") + "?country=CN")
    assert shown(response, "summaries") == kpi_summary(user, Scope.COUNTRY, "CN")
    assert shown(response, "headline").reach == reach(user, Scope.COUNTRY, "CN")


def test_programme_asks_for_one_group_at_a_time(client, results, world):
    response = login(client, world.users.ilo_officer).get(
        reverse("dashboards:programme") + "?country=CN&sector=garments"
    )
    assert response.status_code == 200
    assert shown(response, "form").errors["sector"]
    assert shown(response, "summaries") == kpi_summary(world.users.ilo_officer, Scope.PROGRAMME)


def test_partner_sees_only_its_portfolio(client, results, world):
    user = world.users.sgs_staff
    response = login(client, user).get(reverse("dashboards:partner", args=[world.sgs.pk]))
    assert response.status_code == 200
    assert shown(response, "summaries") == kpi_summary(user, Scope.PARTNER, world.sgs.pk)
    defects = next(s for s in shown(response, "summaries") if s.indicator.code == "defect_rate")
    assert defects.enterprises_reporting == 4  # TÜV Rheinland's enterprise is not counted
    assert shown(response, "headline").reach == reach(user, Scope.PARTNER, world.sgs.pk)
    wco = next(row for row in shown(response, "pipeline") if row.module.code == "WCO")
    assert wco.counts["completed"] == 4
    assert "Shenzhen Electronics" not in response.content.decode()


def test_partner_filters_narrow_the_results_to_its_enterprises(client, results, world):
    user = world.users.sgs_staff
    world.sgs_enterprise.sector = "footwear"
    world.sgs_enterprise.save()
    response = login(client, user).get(
        reverse("dashboards:partner", args=[world.sgs.pk]) + "?sector=garments"
    )
    defects = next(s for s in shown(response, "summaries") if s.indicator.code == "defect_rate")
    assert defects.enterprises_reporting == 3


def test_brand_sees_only_granted_suppliers_and_no_names_of_people(client, results, world):
    user = world.users.inditex_viewer
    response = login(client, user).get(reverse("dashboards:brand", args=[world.inditex.pk]))
    assert response.status_code == 200
    listed = {row.enterprise.pk for row in shown(response, "supplier_rows")}
    assert listed == {results[0].pk, results[1].pk, results[2].pk}
    page = response.content.decode()
    assert results[3].name not in page  # requested, not granted
    assert "Shenzhen Electronics" not in page
    assert "Secret Person" not in page
    assert shown(response, "summaries") == kpi_summary(user, Scope.BRAND, world.inditex.pk)
    defects = next(s for s in shown(response, "summaries") if s.indicator.code == "defect_rate")
    assert defects.enterprises_reporting == 3


def test_brand_groups_under_three_show_too_few_to_show(client, results, world):
    user = world.users.inditex_viewer
    # Two suppliers in India: that group is withheld, with words instead of figures.
    for enterprise in results[1:3]:
        enterprise.country = "IN"
        enterprise.save()
    response = login(client, user).get(
        reverse("dashboards:brand", args=[world.inditex.pk]) + "?country=IN"
    )
    assert response.status_code == 200
    assert all(summary.withheld for summary in shown(response, "summaries"))
    assert "too few to show" in response.content.decode()
    country = dict((scope, b) for scope, _, _, b in shown(response, "breakdowns"))["country"]
    assert all(row.withheld for row in country.rows)


def test_brand_requests_a_supplier_link_from_the_dashboard(client, world):
    login(client, world.users.adidas_viewer)
    url = reverse("dashboards:brand", args=[world.adidas.pk])
    response = client.post(url, {"enterprise_id": "", "os_id": ""})
    assert response.status_code == 200
    assert shown(response, "request_form").errors
    assert not SupplierLink.objects.filter(brand=world.adidas).exists()
    response = client.post(url, {"os_id": "CN2024000001"})
    assert response.status_code == 302
    link = SupplierLink.objects.get(brand=world.adidas)
    assert link.status == "requested"
    page = client.get(url).content.decode()
    assert "CN2024000001" in page


def test_ilo_staff_may_not_request_links_for_a_brand(client, world):
    response = login(client, world.users.ilo_officer).post(
        reverse("dashboards:brand", args=[world.adidas.pk]), {"os_id": "X"}
    )
    assert response.status_code == 403


def test_public_page_speaks_like_the_press_releases(client, results):
    response = client.get(reverse("impact"))
    page = response.content.decode()
    defects = next(s for s in public_kpi_summary() if s.indicator.code == "defect_rate")
    figure = f"{round(defects.p90_improvement_pct)} %"
    assert f"up to {figure} fewer defective products" in page
    assert "4 enterprises in 1 countries" in page or "4 enterprises in 1 country" in page


def test_public_page_withholds_small_groups(client, world):
    enterprise = world.sgs_enterprise
    series(enterprise, "defect_rate", 12.5, 4.5)
    recompute_all()
    page = client.get(reverse("impact")).content.decode()
    assert "too few to show" in page
    assert "fewer defective products" not in page


# --- filters via htmx, exports, the recompute button ------------------------------------


def test_htmx_filter_gets_only_the_dashboard_body(client, results, world):
    response = login(client, world.users.ilo_officer).get(
        reverse("dashboards:programme") + "?country=CN", HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="dashboard-body"')
    assert "<html" not in page


@pytest.mark.parametrize(
    ("user", "url_name", "tables"),
    [
        ("ilo_officer", "programme", ["kpi", "trend", "breakdown-country", "quality", "cost"]),
        ("sgs_manager", "partner", ["kpi", "pipeline", "workload", "certifications", "cost"]),
        ("inditex_viewer", "brand", ["kpi", "suppliers", "links", "breakdown-sector"]),
    ],
)
def test_every_table_exports_csv_and_xlsx(client, results, world, user, url_name, tables):
    args = {"programme": [], "partner": [world.sgs.pk], "brand": [world.inditex.pk]}[url_name]
    login(client, getattr(world.users, user))
    url = reverse(f"dashboards:{url_name}", args=args)
    for table in tables:
        csv = client.get(f"{url}?export=csv&table={table}")
        assert csv.status_code == 200, table
        assert csv["Content-Type"].startswith("text/csv")
        xlsx = client.get(f"{url}?export=xlsx&table={table}")
        assert xlsx.status_code == 200, table
        assert xlsx["Content-Disposition"].endswith('.xlsx"')
    assert client.get(f"{url}?export=csv&table=nothing").status_code == 404


def test_exported_cells_cannot_run_as_formulas(client, results, world):
    results[1].name = '=HYPERLINK("http://evil.example","click")'
    results[1].save()
    login(client, world.users.inditex_viewer)
    response = client.get(
        reverse("dashboards:brand", args=[world.inditex.pk]) + "?export=csv&table=suppliers"
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_recompute_now_goes_through_the_one_service(
    client, world, django_capture_on_commit_callbacks
):
    login(client, world.users.ilo_officer)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("dashboards:recompute"))
    assert response.status_code == 302
    run = AggregationRun.objects.get()
    assert run.requested_by == world.users.ilo_officer
    assert run.kind == AggregationRun.Kind.FULL


def test_partner_may_not_press_recompute(client, world):
    response = login(client, world.users.sgs_manager).post(reverse("dashboards:recompute"))
    assert response.status_code == 403
    assert not AggregationRun.objects.exists()


def test_certifications_expiring_soon_are_listed(client, world):
    soon = timezone.localdate() + timedelta(days=30)
    certification = world.sgs_trainer.certifications.first()
    certification.expires_on = soon
    certification.save()
    response = login(client, world.users.sgs_manager).get(
        reverse("dashboards:partner", args=[world.sgs.pk])
    )
    assert [c.pk for c in shown(response, "expiring")] == [certification.pk]


# --- what a strict Content Security Policy needs ----------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle=", re.I)


def test_dashboards_carry_no_inline_script_or_style(client, results, world):
    pages = [
        (world.users.ilo_officer, reverse("dashboards:programme")),
        (world.users.sgs_manager, reverse("dashboards:partner", args=[world.sgs.pk])),
        (world.users.inditex_viewer, reverse("dashboards:brand", args=[world.inditex.pk])),
        (None, reverse("impact")),
    ]
    for user, url in pages:
        client.logout()
        if user:
            client.force_login(user)
        page = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(page), url
        assert not INLINE_STYLE.search(page), url
        assert not re.search(r"<[^>]+\son[a-z]+=", page), url
        assert 'id="dashboard-charts" type="application/json"' in page, url


def test_indicator_and_module_names_follow_the_language(client, results, world):
    login(client, world.users.sgs_manager)
    page = client.get(
        reverse("dashboards:partner", args=[world.sgs.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Produits défectueux" in page
    assert "Coopération sur le lieu de travail" in page


def test_live_counts_are_kept_between_views_when_caching_is_on(
    client, results, world, settings, monkeypatch
):
    from django.core.cache.backends.locmem import LocMemCache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # A cache of this test's own, so nothing is shared with other tests (or a Redis).
    monkeypatch.setattr("reports.caching.cache", LocMemCache("dashboard-test", {"TIMEOUT": 60}))
    settings.DASHBOARD_CACHE_SECONDS = 60
    url = reverse("dashboards:partner", args=[world.sgs.pk])
    login(client, world.users.sgs_manager)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(second) < len(first)
    wco = next(row for row in shown(response, "pipeline") if row.module.code == "WCO")
    assert wco.counts["completed"] == 4
    # ILO staff viewing the same portfolio read the same kept figures.
    login(client, world.users.ilo_officer)
    assert shown(client.get(url), "pipeline") == shown(response, "pipeline")


def test_kept_brand_figures_stay_withheld_for_the_brand_after_ilo_staff_saw_them(
    client, results, world, settings, monkeypatch
):
    from django.core.cache.backends.locmem import LocMemCache

    monkeypatch.setattr("reports.caching.cache", LocMemCache("brand-test", {"TIMEOUT": 60}))
    settings.DASHBOARD_CACHE_SECONDS = 60
    for enterprise in results[1:3]:
        enterprise.country = "IN"
        enterprise.save()
    url = reverse("dashboards:brand", args=[world.inditex.pk]) + "?country=IN"
    seen_by_ilo = shown(login(client, world.users.ilo_officer).get(url), "summaries")
    assert not any(summary.withheld for summary in seen_by_ilo)
    seen_by_brand = shown(login(client, world.users.inditex_viewer).get(url), "summaries")
    assert seen_by_brand and all(summary.withheld for summary in seen_by_brand)
