"""The parts that keep pages fast at 100,000 enterprises: figures kept until the data
changes (reports.caching), deep pages found by id first (DeepPaginator), and long select
lists written in Python (QuickSelect)."""

import pytest
from django import forms
from django.core.cache.backends.locmem import LocMemCache
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from enterprises.models import Enterprise
from reports import caching
from reports.models import AggregationRun
from score_platform import pages
from score_platform.widgets import QuickSelect
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept_figures(settings, monkeypatch):
    """Caching on, in a cache of the test's own."""
    cache = LocMemCache("figures-test", {"TIMEOUT": 60})
    cache.clear()  # ids repeat from one test to the next
    monkeypatch.setattr(caching, "cache", cache)
    settings.DASHBOARD_CACHE_SECONDS = 60


def finish_a_run():
    AggregationRun.objects.create(
        kind=AggregationRun.Kind.ENTERPRISE,
        status=AggregationRun.Status.SUCCEEDED,
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"figure": self.calls}


def test_a_kept_figure_is_counted_once_until_an_aggregation_run_finishes(kept_figures):
    count = Counter()
    assert caching.remembered("missing", "home-organisation-1", count) == {"figure": 1}
    assert caching.remembered("missing", "home-organisation-1", count) == {"figure": 1}
    assert count.calls == 1
    finish_a_run()
    assert caching.remembered("missing", "home-organisation-1", count) == {"figure": 2}
    assert count.calls == 2


def test_a_run_still_going_does_not_count_as_a_change(kept_figures):
    count = Counter()
    caching.remembered("missing", "home-ilo", count)
    AggregationRun.objects.create(
        kind=AggregationRun.Kind.FULL,
        status=AggregationRun.Status.RUNNING,
        started_at=timezone.now(),
    )
    caching.remembered("missing", "home-ilo", count)
    assert count.calls == 1


def test_owners_filters_and_languages_keep_figures_apart(kept_figures):
    count = Counter()
    caching.remembered("kpi", "dashboard-brand-7-brand", count, filters="country=CN")
    caching.remembered("kpi", "dashboard-brand-7-ilo", count, filters="country=CN")
    caching.remembered("kpi", "dashboard-brand-7-brand", count, filters="country=VN")
    with translation.override("fr"):
        caching.remembered("kpi", "dashboard-brand-7-brand", count, filters="country=CN")
    assert count.calls == 4
    caching.remembered("kpi", "dashboard-brand-7-brand", count, filters="country=CN")
    assert count.calls == 4


def test_with_caching_off_every_view_counts(settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    count = Counter()
    caching.remembered("missing", "home-ilo", count)
    caching.remembered("missing", "home-ilo", count)
    assert count.calls == 2


class BrokenCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    def set(self, *args, **kwargs):
        raise ConnectionError("cache down")


def test_an_unreachable_cache_slows_the_figures_but_never_fails_them(settings, monkeypatch):
    monkeypatch.setattr(caching, "cache", BrokenCache())
    settings.DASHBOARD_CACHE_SECONDS = 60
    count = Counter()
    assert caching.remembered("missing", "home-ilo", count) == {"figure": 1}
    assert caching.remembered("missing", "home-ilo", count) == {"figure": 2}


def test_the_home_page_keeps_its_lists_until_the_data_changes(client, world, kept_figures):
    from reports.selectors import previous_month

    factories.EnrolmentFactory(enterprise=world.sgs_enterprise, status="planned")
    client.force_login(world.users.sgs_staff)
    client.get("/")
    with CaptureQueriesContext(connection) as second:
        context = client.get("/").context
    assert [e.name for e in context["missing_kpis"].items] == [world.sgs_enterprise.name]
    assert not any("modules_enrolment" in query["sql"] for query in second.captured_queries)

    factories.KpiMeasurementFactory(
        enterprise=world.sgs_enterprise, period=previous_month(timezone.localdate())
    )
    assert client.get("/").context["missing_kpis"].total == 1  # no run has finished yet
    finish_a_run()
    assert client.get("/").context["missing_kpis"].total == 0


def test_staff_of_one_partner_share_its_lists_and_not_another_partners(client, world, kept_figures):
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise, status="planned")
    client.force_login(world.users.sgs_staff)
    sgs = client.get("/").context["enrolments_in_progress"]
    client.force_login(world.users.tuv_manager)
    tuv = client.get("/").context["enrolments_in_progress"]
    assert [e.enterprise for e in sgs.items] == [world.sgs_enterprise]
    assert all(e.enterprise.partner_id == world.tuv.pk for e in tuv.items)
    assert world.sgs_enterprise not in [e.enterprise for e in tuv.items]


# --- deep pages ---------------------------------------------------------------------------


def test_deep_pages_hold_the_same_rows_in_the_same_order_as_offset_pages(world, monkeypatch):
    for number in range(23):
        factories.EnterpriseFactory(name=f"Factory {number % 7}", partner=world.sgs)
    monkeypatch.setattr(pages, "DEFERRED_JOIN_FROM", 5)
    queryset = Enterprise.objects.order_by("name", "id")
    plain, deep = Paginator(queryset, 4, orphans=1), pages.DeepPaginator(queryset, 4, orphans=1)
    assert deep.num_pages == plain.num_pages
    for number in plain.page_range:
        assert list(deep.page(number)) == list(plain.page(number)), number
    with CaptureQueriesContext(connection) as captured:
        list(deep.page(deep.num_pages))
    assert len(captured) == 1
    assert "IN (SELECT" in captured.captured_queries[0]["sql"].upper().replace('"', "")


def test_the_enterprise_list_and_the_api_page_deep_lists_by_id_first(
    client, world, monkeypatch, settings
):
    from rest_framework.test import APIClient

    for number in range(12):
        factories.EnterpriseFactory(name=f"Deep {number:02d}", partner=world.sgs)
    monkeypatch.setattr(pages, "DEFERRED_JOIN_FROM", 2)
    settings.PORTAL_PAGE_SIZE = 3
    client.force_login(world.users.sgs_manager)
    ordered = list(
        Enterprise.objects.filter(partner=world.sgs).order_by("name", "id").values_list("name")
    )
    page = client.get("/enterprises/?page=3").context["object_list"]
    assert [(e.name,) for e in page] == ordered[6:9]

    api = APIClient()
    api.force_authenticate(world.users.sgs_manager)
    body = api.get("/api/v1/enterprises/?page=2&page_size=4&ordering=name").json()
    assert [row["name"] for row in body["results"]] == [name for (name,) in ordered[4:8]]
    assert body["count"] == len(ordered)


# --- long select lists ------------------------------------------------------------------


CHOICES = [
    ("", "---------"),
    ("CN", "China & <Taiwan>"),
    ("FR", "France"),
    ("Asia", [("VN", "Viet Nam"), ("KH", "Cambodia")]),
]


def options(html: str) -> list[tuple[str, str, bool]]:
    """(value, text, selected) of every option, whatever the whitespace between them."""
    from html.parser import HTMLParser

    found = []

    class Parser(HTMLParser):
        current = None

        def handle_starttag(self, tag, attrs):
            if tag == "option":
                attributes = dict(attrs)
                self.current = [attributes.get("value"), "", "selected" in attributes]

        def handle_data(self, data):
            if self.current is not None:
                self.current[1] += data

        def handle_endtag(self, tag):
            if tag == "option" and self.current is not None:
                found.append(tuple(self.current))
                self.current = None

    Parser().feed(html)
    return found


@pytest.mark.parametrize("value", ["", "CN", "KH", None])
def test_quick_select_gives_the_options_of_djangos_select(value):
    attrs = {"class": "form-select", "id": "id_country"}
    django_html = forms.Select(choices=CHOICES, attrs=attrs).render("country", value)
    quick_html = QuickSelect(choices=CHOICES, attrs=attrs).render("country", value)
    assert options(quick_html) == options(django_html)
    assert quick_html.startswith("<select ")
    assert 'name="country"' in quick_html and 'id="id_country"' in quick_html
    assert "&lt;Taiwan&gt;" in quick_html and "<Taiwan>" not in quick_html
    assert '<optgroup label="Asia">' in quick_html


def test_the_enterprise_filter_marks_the_chosen_country(client, world):
    client.force_login(world.users.ilo_officer)
    page = client.get("/enterprises/?country=CN").content.decode()
    assert '<option value="CN" selected>' in page


def test_country_names_follow_the_language_and_are_built_once_per_language():
    from score_platform.countries import country_choices, country_names

    with translation.override("en"):
        assert country_names()["DE"] == "Germany"
        assert country_names() is country_names()
        assert country_choices()[0] == ("AF", "Afghanistan")
        assert len(country_choices()) == len(country_names()) > 240
    with translation.override("fr"):
        assert country_names()["DE"] == "Allemagne"
        assert ("DE", "Allemagne") in country_choices()


def test_choice_labels_are_djangos_in_every_language_and_built_once_per_language():
    from django.db.models import Model

    from score_platform.models import choice_labels

    enterprise = factories.EnterpriseFactory.build(sector="footwear", status="inactive")
    field = Enterprise._meta.get_field("sector")
    for language in ("en", "fr", "es", "zh-hans"):
        with translation.override(language):
            assert enterprise.get_sector_display() == Model._get_FIELD_display(enterprise, field)
            assert enterprise.get_status_display() == Model._get_FIELD_display(
                enterprise, Enterprise._meta.get_field("status")
            )
            assert choice_labels(field) is choice_labels(field)
    with translation.override("fr"):
        assert enterprise.get_sector_display() == "Chaussures"
    with translation.override("en"):
        assert enterprise.get_sector_display() == "Footwear"
    enterprise.sector = "no-such-sector"
    assert enterprise.get_sector_display() == "no-such-sector"


def test_a_filter_field_is_written_as_crispy_forms_wrote_it():
    from enterprises.filters import EnterpriseFilter
    from score_platform.widgets import filter_field

    filterset = EnterpriseFilter(
        {"search": "a&b", "sector": "nonsense", "status": "active", "kpis_missing": "true"},
        queryset=Enterprise.objects.none(),
    )
    form = filterset.form
    form.is_valid()
    search = filter_field(form["search"])
    assert search.startswith('<div id="div_id_search" class="mb-3">')
    assert '<label for="id_search" class="form-label">' in search
    assert 'value="a&amp;b"' in search and 'class="form-control"' in search
    assert 'aria-describedby="id_search_helptext"' in search
    assert '<div id="id_search_helptext" class="form-text">' in search
    sector = filter_field(form["sector"])
    assert 'class="form-select is-invalid"' in sector and 'aria-invalid="true"' in sector
    assert 'aria-describedby="id_sector_error"' in sector
    assert '<div id="id_sector_error" class="invalid-feedback"><p id="error_1_id_sector">' in sector
    assert "nonsense is not one of the available choices" in sector
    status = filter_field(form["status"])
    assert ("active", "Active", True) in options(status)
    assert ("inactive", "Inactive", False) in options(status)
    assert ("true", "Yes", True) in options(filter_field(form["kpis_missing"]))
