"""Each dashboard costs the same number of queries with the demo world at size N and at 10 N:
the pages read the computed tables, never one query per row."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Enterprise
from partners.models import Organisation
from reports.aggregation.recompute import recompute_all
from score_platform.demo.world import seed_demo_world

pytestmark = pytest.mark.django_db

# A ceiling per page (measured, with some room); the test mostly pins that ten times the
# data costs exactly what the small world costs.
BUDGET = 32
SMALL, LARGE = 15, 150


def demo_world(enterprises: int) -> None:
    seed_demo_world(enterprises=enterprises, months=12)
    recompute_all(history=True)


def pages() -> list[tuple[str, str, str]]:
    """(name, login, url) of every dashboard as each role sees it."""
    sgs = Organisation.objects.get(name="SGS").pk
    inditex = Organisation.objects.get(name="Inditex").pk
    programme = reverse("dashboards:programme")
    # Filters that keep some rows in both worlds (an empty page skips its row queries).
    supplier = Enterprise.objects.filter(
        supplier_links__brand_id=inditex, supplier_links__status="granted"
    ).first()
    served = Enterprise.objects.filter(partner_id=sgs).order_by("pk").first()
    partner = reverse("dashboards:partner", args=[sgs])
    brand = reverse("dashboards:brand", args=[inditex])
    return [
        ("programme", "ilo.officer", programme),
        ("programme, one country", "ilo.officer", programme + "?country=CN"),
        ("programme, one module", "ilo.officer", programme + "?module=QM&indicator=defect_rate"),
        ("partner, as ILO", "ilo.officer", partner),
        ("brand, as ILO", "ilo.officer", brand),
        ("partner", "sgs.manager", partner),
        (
            "partner, country and sector",
            "sgs.manager",
            partner + f"?country={served.country}&sector={served.sector}",
        ),
        ("brand", "inditex.viewer", brand),
        ("brand, one country", "inditex.viewer", brand + f"?country={supplier.country}"),
        ("public impact page", "", reverse("impact")),
    ]


def measure(client) -> dict[str, int]:
    counts = {}
    users = get_user_model().objects
    for name, username, url in pages():
        client.logout()
        if username:
            client.force_login(users.get(username=username))
        client.get(url)  # the first request warms the per-process caches (content types)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = len(captured)
    return counts


def test_dashboards_cost_the_same_at_the_demo_size_and_ten_times_more(
    client, django_assert_max_num_queries, record_property
):
    demo_world(SMALL)
    small = measure(client)
    seed_demo_world(enterprises=LARGE, months=12, reset=True)
    recompute_all(history=True)
    large = measure(client)
    for page, count in large.items():
        record_property(page, f"{small[page]} -> {count}")
        print(f"{page}: {small[page]} queries at {SMALL} enterprises, {count} at {LARGE}")
        assert count == small[page], (page, small[page], count)
    users = get_user_model().objects
    for _name, username, url in pages():
        client.logout()
        if username:
            client.force_login(users.get(username=username))
        with django_assert_max_num_queries(BUDGET):
            client.get(url)
