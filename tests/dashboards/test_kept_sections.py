"""Dashboard sections kept between views ({% kept %}, reports.caching.fragments_key): a view
whose sections are kept computes none of its figures, the forms with CSRF tokens stay
live, and readers, filters, languages, pages and data versions never share a section."""

import re

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from dashboards.views import brand as brand_view
from dashboards.views import programme as programme_view
from reports import caching
from reports.models import AggregationRun
from tests.dashboards.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings, monkeypatch):
    # A cache of the test's own, empty: ids repeat from one test to the next.
    cache = LocMemCache("sections-test", {"TIMEOUT": 60})
    cache.clear()
    monkeypatch.setattr(caching, "cache", cache)
    settings.DASHBOARD_CACHE_SECONDS = 60


class Calls:
    """Counts the calls of a view's figures function."""

    def __init__(self, monkeypatch, module, name):
        self.count = 0
        original = getattr(module, name)

        def counted(*args, **kwargs):
            self.count += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)


def finish_a_run():
    now = timezone.now()
    AggregationRun.objects.create(
        kind=AggregationRun.Kind.ENTERPRISE,
        status=AggregationRun.Status.SUCCEEDED,
        started_at=now,
        finished_at=now,
    )


def without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1…", html)


def token_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_kept_dashboard_computes_no_figures_and_reads_no_computed_table(
    client, results, world, kept, monkeypatch
):
    figures = Calls(monkeypatch, programme_view, "_programme_figures")
    url = reverse("dashboards:programme")
    first = login(client, world.users.ilo_officer).get(url).content.decode()
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(url).content.decode()
    assert figures.count == 1
    assert without_tokens(second) == without_tokens(first)
    assert 'data-testid="kpi-table"' in second and 'data-figure="median"' in second
    read = " ".join(query["sql"] for query in second_queries.captured_queries)
    assert "reports_kpisummary" not in read and "reports_reachsummary" not in read
    assert len(second_queries.captured_queries) <= 8


def test_a_finished_run_filters_and_languages_each_get_their_own_sections(
    client, results, world, kept, monkeypatch
):
    figures = Calls(monkeypatch, programme_view, "_programme_figures")
    url = reverse("dashboards:programme")
    login(client, world.users.ilo_officer)
    client.get(url)
    client.get(url + "?country=CN")
    client.get(url + "?country=CN")
    assert figures.count == 2
    finish_a_run()
    client.get(url)
    assert figures.count == 3
    with translation.override("fr"):
        french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert figures.count == 4
    assert "Ventilations :" in french  # the kept "figures" section, in French


def test_the_recompute_form_carries_each_readers_own_token(client, results, world, kept):
    url = reverse("dashboards:programme")
    login(client, world.users.ilo_officer).get(url)  # the sections are kept now
    admin = Client(enforce_csrf_checks=True)
    admin.force_login(world.users.ilo_admin)
    page = admin.get(url).content.decode()
    assert f'action="{reverse("dashboards:recompute")}"' in page
    response = admin.post(reverse("dashboards:recompute"), {"csrfmiddlewaretoken": token_of(page)})
    assert response.status_code == 302
    assert AggregationRun.objects.filter(kind=AggregationRun.Kind.FULL).exists()


def test_the_brand_and_ilo_staff_never_share_the_brands_sections(client, results, world, kept):
    for enterprise in results[1:3]:
        enterprise.country = "IN"
        enterprise.save()
    url = reverse("dashboards:brand", args=[world.inditex.pk]) + "?country=IN"
    seen_by_ilo = login(client, world.users.ilo_officer).get(url).content.decode()
    seen_by_brand = login(client, world.users.inditex_viewer).get(url).content.decode()
    table = 'id="comparison-table"'
    assert table in seen_by_ilo and 'data-figure="median"' in seen_by_ilo
    assert table in seen_by_brand and 'data-figure="median"' not in seen_by_brand
    assert "too few to show" in seen_by_brand


def test_each_page_of_the_supplier_table_is_kept_apart_and_requests_show_at_once(
    client, results, world, kept, settings, monkeypatch
):
    settings.PORTAL_PAGE_SIZE = 1
    figures = Calls(monkeypatch, brand_view, "_brand_figures")
    url = reverse("dashboards:brand", args=[world.inditex.pk])
    login(client, world.users.inditex_viewer)
    first, second = (client.get(f"{url}?page={n}").content.decode() for n in (1, 2))
    rows = [re.findall(r'data-enterprise="(\d+)"', page) for page in (first, second)]
    assert len(rows[0]) == len(rows[1]) == 1 and rows[0] != rows[1]
    assert figures.count == 2
    client.get(f"{url}?page=2")
    assert figures.count == 2

    # A request is answered by the partner, not by a run: the brand sees it at once.
    page = client.get(url).content.decode()
    assert "OS-WAITING-1" not in page
    response = client.post(url, {"os_id": "OS-WAITING-1"})
    assert response.status_code == 302
    assert "OS-WAITING-1" in client.get(url).content.decode()


def test_exports_of_a_kept_dashboard_hold_the_table(client, results, world, kept):
    url = reverse("dashboards:partner", args=[world.sgs.pk])
    login(client, world.users.sgs_manager).get(url)
    response = client.get(url + "?export=csv&table=kpi")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "defect" in b"".join(response.streaming_content).decode().lower()


def test_without_a_kept_as_key_a_section_is_rendered_each_time(kept):
    calls = []
    template = Template('{% load dashboards %}{% kept "part" %}{{ figure }}{% endkept %}')
    figure = caching.once(lambda: calls.append(1) or len(calls))
    assert template.render(Context({"figure": figure})) == "1"
    assert template.render(Context({"figure": figure})) == "1"  # once: computed one time
    assert calls == [1]
    kept_as = "fragments:test"
    assert template.render(Context({"figure": lambda: "a", "kept_as": kept_as})) == "a"
    assert template.render(Context({"figure": lambda: "b", "kept_as": kept_as})) == "a"
    varying = Template('{% load dashboards %}{% kept "part" page %}{{ figure }}{% endkept %}')
    assert varying.render(Context({"figure": "c", "kept_as": kept_as, "page": 2})) == "c"
    with pytest.raises(TemplateSyntaxError):
        Template("{% load dashboards %}{% kept part %}{% endkept %}")


def test_a_filter_change_swaps_in_the_same_kept_sections(client, results, world, kept):
    url = reverse("dashboards:programme") + "?country=CN"
    page = login(client, world.users.ilo_officer).get(url).content.decode()
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body"')
    assert "<html" not in body
    start = page.index('<div id="dashboard-body"')
    assert without_tokens(body).strip() == without_tokens(page[start:]).split("</main>")[0].strip()
