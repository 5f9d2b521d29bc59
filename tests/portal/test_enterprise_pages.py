"""Enterprise pages per role: the list (filters, search, sort, pages, exports), the detail
page, register and edit, and participants."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.models import Enterprise, Participant
from reports.selectors import previous_month
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("enterprises:enterprise-list")


def detail(enterprise):
    return reverse("enterprises:enterprise-detail", args=[enterprise.pk])


def listed(client, query=""):
    return [enterprise.name for enterprise in client.get(LIST + query).context["object_list"]]


def test_a_partner_lists_only_the_enterprises_it_serves(client, world):
    client.force_login(world.users.sgs_staff)
    assert listed(client) == ["Guangzhou Garments"]
    assert listed(client, "?search=Shenzhen") == []


def test_ilo_lists_every_enterprise_with_its_partner(client, world):
    client.force_login(world.users.ilo_officer)
    response = client.get(LIST)
    assert [e.name for e in response.context["object_list"]] == [
        "Guangzhou Garments",
        "Shenzhen Electronics",
    ]
    assert response.context["show_partner"]


def test_a_brand_lists_its_granted_suppliers_only(client, world):
    client.force_login(world.users.inditex_viewer)
    assert listed(client) == ["Guangzhou Garments"]
    client.force_login(world.users.adidas_viewer)
    assert listed(client) == []


def test_a_login_without_a_role_lists_nothing(client, world):
    client.force_login(world.users.no_role)
    assert listed(client) == []


@pytest.fixture
def portfolio(world):
    sgs = world.sgs
    delhi = factories.EnterpriseFactory(
        name="Delhi Denim",
        partner=sgs,
        country="IN",
        city="Delhi",
        employees_total=900,
        employees_female=300,
        registration_number="DL-1",
    )
    factories.EnterpriseFactory(
        name="Chengdu Chips",
        partner=sgs,
        sector="electronics",
        city="Chengdu",
        employees_total=50,
        employees_female=10,
        status="inactive",
    )
    factories.EnrolmentFactory(enterprise=delhi, status="classroom")
    return delhi


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("?country=IN", ["Delhi Denim"]),
        ("?sector=electronics", ["Chengdu Chips"]),
        ("?status=inactive", ["Chengdu Chips"]),
        ("?module=WCO", ["Delhi Denim"]),
        ("?module=QM", []),
        ("?search=delhi", ["Delhi Denim"]),
        ("?search=DL-1", ["Delhi Denim"]),
        ("?search=chengdu", ["Chengdu Chips"]),
        ("?kpis_missing=true", ["Delhi Denim"]),
        ("?ordering=-employees_total", ["Delhi Denim", "Guangzhou Garments", "Chengdu Chips"]),
        ("?ordering=city", ["Chengdu Chips", "Delhi Denim", "Guangzhou Garments"]),
        ("?country=ZZ", ["Chengdu Chips", "Delhi Denim", "Guangzhou Garments"]),
    ],
)
def test_the_list_filters_searches_and_sorts(client, world, portfolio, query, names):
    client.force_login(world.users.sgs_staff)
    assert listed(client, query) == names


def test_a_filter_pointing_at_another_partners_enterprise_finds_nothing(client, world):
    client.force_login(world.users.sgs_staff)
    assert listed(client, "?search=Shenzhen&sector=electronics") == []


def test_the_list_is_paginated_and_keeps_its_filters_in_the_page_links(client, world, settings):
    settings.PORTAL_PAGE_SIZE = 2
    factories.EnterpriseFactory.create_batch(4, partner=world.sgs, city="Xiamen")
    client.force_login(world.users.sgs_staff)
    first = client.get(LIST + "?search=Xiamen")
    assert len(first.context["object_list"]) == 2
    assert first.context["page_obj"].paginator.num_pages == 2
    assert b"search=Xiamen&amp;page=2" in first.content
    second = client.get(LIST + "?search=Xiamen&page=2")
    assert {e.pk for e in first.context["object_list"]}.isdisjoint(
        {e.pk for e in second.context["object_list"]}
    )
    assert client.get(LIST + "?page=99").status_code == 200


def test_the_list_exports_to_csv_with_the_filters_and_formulas_defused(client, world, portfolio):
    factories.EnterpriseFactory(name='=HYPERLINK("http://x")', partner=world.sgs, country="IN")
    client.force_login(world.users.sgs_staff)
    response = client.get(LIST + "?country=IN&export=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,name,country")
    assert len(lines) == 3
    assert any(line.split(",")[1] == "Delhi Denim" for line in lines)
    assert any("'=HYPERLINK" in line for line in lines)
    names = {line.split(",")[1] for line in lines[1:]}
    assert "Guangzhou Garments" not in names and "Shenzhen Electronics" not in names


def test_the_list_exports_to_xlsx_inside_the_scope(client, world, portfolio):
    client.force_login(world.users.sgs_staff)
    response = client.get(LIST + "?export=xlsx&ordering=name")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "name", "country")
    assert [row[1] for row in rows[1:]] == ["Chengdu Chips", "Delhi Denim", "Guangzhou Garments"]
    assert rows[2][5] == 900  # numbers stay numbers
    assert rows[2][-1] == "WCO:classroom"


def test_an_export_over_the_limit_is_refused_with_a_message(client, world, settings):
    settings.EXPORT_MAX_ROWS = 0
    client.force_login(world.users.sgs_staff)
    response = client.get(LIST + "?export=csv&sector=garments")
    assert response.status_code == 302
    assert "export" not in response.url and "sector=garments" in response.url


def test_the_detail_page_of_another_partners_enterprise_is_a_404(client, world):
    client.force_login(world.users.sgs_staff)
    assert client.get(detail(world.tuv_enterprise)).status_code == 404
    assert client.get(reverse("enterprises:enterprise-detail", args=[99999])).status_code == 404
    client.force_login(world.users.adidas_viewer)
    assert client.get(detail(world.sgs_enterprise)).status_code == 404
    client.force_login(world.users.no_role)
    assert client.get(detail(world.sgs_enterprise)).status_code == 404


def test_the_detail_page_shows_the_team_composition_check(client, world):
    enterprise = world.sgs_enterprise
    for role, gender in [("manager", "male"), ("worker", "female")]:
        factories.ParticipantFactory(
            enterprise=enterprise, role=role, gender=gender, is_eit_member=True
        )
    client.force_login(world.users.sgs_staff)
    response = client.get(detail(enterprise))
    team = response.context["team"]
    assert (team.members, team.mixes_roles, team.mixes_genders, team.mixes_contracts) == (
        2,
        True,
        True,
        False,
    )
    assert b"The team needs both permanent and temporary workers." in response.content


def test_the_detail_page_shows_kpis_against_the_baseline_with_a_chart(client, world):
    enterprise = world.sgs_enterprise
    factories.KpiMeasurementFactory(
        enterprise=enterprise, period=date(2024, 1, 1), value="12.5", is_baseline=True
    )
    factories.KpiMeasurementFactory(enterprise=enterprise, period=date(2024, 6, 1), value="4.5")
    client.force_login(world.users.sgs_staff)
    response = client.get(detail(enterprise))
    defects = next(r for r in response.context["kpi_rows"] if r.indicator.code == "defect_rate")
    assert (defects.baseline.value, defects.latest.value) == (12.5, 4.5)
    assert response.context["kpi_series"]["defect_rate"] == {
        "labels": ["2024-01", "2024-06"],
        "values": [12.5, 4.5],
        "baseline": 12.5,
    }
    assert b'data-chart-key="defect_rate"' in response.content
    assert b'id="kpi-series"' in response.content


def test_a_brand_sees_the_profile_and_modules_but_no_names_or_raw_kpis(client, world):
    enterprise = world.sgs_enterprise
    factories.ParticipantFactory(enterprise=enterprise, full_name="Secret Person")
    enrolment = factories.EnrolmentFactory(enterprise=enterprise, status="consulting")
    factories.VisitFactory(enrolment=enrolment, trainer=world.sgs_trainer)
    factories.KpiMeasurementFactory(enterprise=enterprise, value="77.7")
    client.force_login(world.users.inditex_viewer)
    response = client.get(detail(enterprise))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Workplace Cooperation" in html and "Consulting" in html
    assert "1 visit" in html
    assert "Secret Person" not in html and "77.7" not in html and "Li Wei" not in html
    assert "participants" not in response.context


def test_a_partner_manager_registers_an_enterprise(client, world):
    client.force_login(world.users.sgs_manager)
    assert (
        "partner" not in client.get(reverse("enterprises:enterprise-create")).context["form"].fields
    )
    response = client.post(
        reverse("enterprises:enterprise-create"),
        {
            "name": "Mumbai Metals",
            "country": "IN",
            "sector": "metal",
            "employees_total": 80,
            "employees_female": 12,
        },
    )
    enterprise = Enterprise.objects.get(name="Mumbai Metals")
    assert response.url == detail(enterprise)
    assert enterprise.partner == world.sgs
    assert enterprise.history.first().history_user == world.users.sgs_manager


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"country": "VN"}, "country", "no active licence covering Vietnam"),
        ({"employees_female": 500}, "employees_female", "cannot exceed the total"),
        ({"employees_total": -1}, "employees_total", "greater than or equal to 0"),
        ({"registration_number": "GZ-1"}, "registration_number", "already has this registration"),
        ({"sector": "mining"}, "sector", "valid choice"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_registering_with_bad_input_shows_the_rule_beside_the_field_and_saves_nothing(
    client, world, data, field, words
):
    Enterprise.objects.filter(pk=world.sgs_enterprise.pk).update(registration_number="GZ-1")
    client.force_login(world.users.sgs_manager)
    post = {
        "name": "Bad Input Co",
        "country": "CN",
        "sector": "garments",
        "employees_total": 100,
        "employees_female": 10,
        **data,
    }
    response = client.post(reverse("enterprises:enterprise-create"), post)
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert not Enterprise.objects.filter(name="Bad Input Co").exists()


def test_partner_staff_and_brands_may_not_register_or_edit_enterprises(client, world):
    for user in (world.users.sgs_staff, world.users.inditex_viewer, world.users.no_role):
        client.force_login(user)
        assert client.get(reverse("enterprises:enterprise-create")).status_code == 403
        assert client.post(reverse("enterprises:enterprise-create"), {}).status_code == 403
    client.force_login(world.users.sgs_staff)
    edit = reverse("enterprises:enterprise-update", args=[world.sgs_enterprise.pk])
    assert client.get(edit).status_code == 403
    client.force_login(world.users.tuv_manager)
    assert client.get(edit).status_code == 404


def test_ilo_registers_an_enterprise_for_a_chosen_partner(client, world):
    client.force_login(world.users.ilo_officer)
    client.post(
        reverse("enterprises:enterprise-create"),
        {
            "name": "Suzhou Silk",
            "partner": world.tuv.pk,
            "country": "CN",
            "sector": "garments",
            "employees_total": 30,
            "employees_female": 20,
        },
    )
    assert Enterprise.objects.get(name="Suzhou Silk").partner == world.tuv


def test_a_manager_edits_the_profile_and_the_change_is_audited(client, world):
    enterprise = world.sgs_enterprise
    client.force_login(world.users.sgs_manager)
    form = client.get(reverse("enterprises:enterprise-update", args=[enterprise.pk])).context[
        "form"
    ]
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(employees_total=260, city="Foshan", os_id="")
    response = client.post(reverse("enterprises:enterprise-update", args=[enterprise.pk]), data)
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.employees_total, enterprise.city) == (260, "Foshan")
    assert enterprise.history.count() == 2


def test_staff_add_and_edit_participants_but_not_another_partners(client, world):
    client.force_login(world.users.sgs_staff)
    url = reverse("enterprises:participant-create", args=[world.sgs_enterprise.pk])
    client.post(
        url,
        {
            "full_name": "Zhou Lei",
            "role": "worker",
            "gender": "male",
            "contract": "temporary",
            "is_eit_member": "on",
        },
    )
    participant = Participant.objects.get(full_name="Zhou Lei")
    assert participant.is_eit_member and participant.enterprise == world.sgs_enterprise
    edit = reverse("enterprises:participant-update", args=[participant.pk])
    client.post(
        edit,
        {"full_name": "Zhou Lei", "role": "manager", "gender": "male", "contract": "permanent"},
    )
    participant.refresh_from_db()
    assert (participant.role, participant.is_eit_member) == ("manager", False)
    blank = client.post(
        url, {"full_name": "  ", "role": "worker", "gender": "male", "contract": "permanent"}
    )
    assert blank.context["form"].errors["full_name"]
    client.force_login(world.users.tuv_manager)
    assert client.get(edit).status_code == 404
    assert client.get(url).status_code == 404
    client.force_login(world.users.inditex_viewer)
    assert client.get(url).status_code == 403
    assert client.get(edit).status_code == 404


def test_kpis_missing_filter_uses_last_month(client, world):
    today_month = previous_month()
    factories.EnrolmentFactory(enterprise=world.sgs_enterprise)
    client.force_login(world.users.sgs_staff)
    assert listed(client, "?kpis_missing=true") == ["Guangzhou Garments"]
    factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise, period=today_month)
    assert listed(client, "?kpis_missing=true") == []
    assert listed(client, "?kpis_missing=false") == ["Guangzhou Garments"]
