"""Hostile input everywhere: hypothesis throws random and hostile values (huge strings,
unicode, control characters, negative and enormous numbers, wrong types, SQL and HTML
fragments) at every API write, every form of the portal and the list filters. No answer
may be a server error; what was stored must not run as HTML on the pages.

The number of inputs tried is written to tests/artifacts/hostile_inputs.txt.
"""

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enterprises.models import Enterprise
from modules.models import Enrolment
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TRIED = {"api": 0, "forms": 0, "filters": 0}

HOSTILE_STRINGS = [
    "'; DROP TABLE enterprises_enterprise; --",
    "1 OR 1=1",
    '" OR ""="',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}{% debug %}",
    "${jndi:ldap://example.org/a}",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "a\x00b",
    "\x00",
    "\u202egnp.exe",
    "😀" * 300,
    "ﷺ" * 100,
    "x" * 100_000,
    "9" * 400,
    "-1",
    "-99999999999999999999",
    "1e309",
    "NaN",
    "Infinity",
    "0x1F",
    "2024-13-45",
    "0000-00-00",
    "9999-99",
    " ",
    "",
    "null",
    "[]",
    "{}",
    "true",
    "\r\n\t",
    '=HYPERLINK("http://example.org")',
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=2000),
)
hostile_scalar = st.one_of(
    hostile_text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**100]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
hostile_json = st.one_of(
    hostile_scalar,
    st.lists(hostile_scalar, max_size=4),
    st.dictionaries(st.text(max_size=8), hostile_scalar, max_size=3),
    # JSON may carry what UTF-8 cannot: a lone surrogate.
    st.just("\ud800"),
    st.just("a\udfffb"),
)
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.fixture(scope="module", autouse=True)
def tally():
    yield
    ARTIFACTS.mkdir(exist_ok=True)
    total = sum(TRIED.values())
    line = f"hostile inputs tried: {total} ({TRIED}), server errors: 0\n"
    with (ARTIFACTS / "hostile_inputs.txt").open("a") as report:
        report.write(line)
    print(line)


@pytest.fixture
def scene(world):
    """One of each object the writes refer to."""
    enrolment = factories.EnrolmentFactory(
        enterprise=world.sgs_enterprise,
        lead_trainer=world.sgs_trainer,
        status=Enrolment.Status.CONSULTING,
    )
    project = factories.ImprovementProjectFactory(enrolment=enrolment)
    participant = factories.ParticipantFactory(enterprise=world.sgs_enterprise)
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    session.trainers.add(world.sgs_trainer)
    measurement = factories.KpiMeasurementFactory(enterprise=world.sgs_enterprise)
    link = factories.SupplierLinkFactory(
        brand=world.adidas, enterprise=world.sgs_enterprise, status="requested"
    )
    return {
        "world": world,
        "e": world.sgs_enterprise.pk,
        "t": world.sgs_trainer.pk,
        "sgs": world.sgs.pk,
        "enrolment": enrolment.pk,
        "project": project.pk,
        "participant": participant.pk,
        "session": session.pk,
        "measurement": measurement.pk,
        "licence": world.sgs_licence.pk,
        "certification": world.sgs_trainer.certifications.first().pk,
        "link": link.pk,
    }


# --- the API --------------------------------------------------------------------------------

# (persona, method, path, valid body) — every write of api.md.
API_WRITES = {
    "enterprise-create": (
        "sgs_manager",
        "post",
        "/api/v1/enterprises/",
        lambda s: {
            "name": "Hostile Garments",
            "country": "CN",
            "sector": "garments",
            "employees_total": 80,
            "partner": s["sgs"],
        },
    ),
    "enterprise-update": (
        "sgs_manager",
        "patch",
        "/api/v1/enterprises/{e}/",
        lambda s: {"city": "Foshan", "employees_total": 210},
    ),
    "participant-create": (
        "sgs_staff",
        "post",
        "/api/v1/participants/",
        lambda s: {
            "enterprise": s["e"],
            "full_name": "Wang Fang",
            "role": "worker",
            "gender": "female",
            "contract": "permanent",
        },
    ),
    "participant-update": (
        "sgs_staff",
        "patch",
        "/api/v1/participants/{participant}/",
        lambda s: {"full_name": "Wang Li"},
    ),
    "enrolment-create": (
        "sgs_staff",
        "post",
        "/api/v1/enrolments/",
        lambda s: {
            "enterprise": s["e"],
            "module": "QM",
            "started_on": "2024-01-15",
            "lead_trainer": s["t"],
        },
    ),
    "enrolment-update": (
        "sgs_staff",
        "patch",
        "/api/v1/enrolments/{enrolment}/",
        lambda s: {"fee_amount": "100", "paid_by": "brand"},
    ),
    "session-create": (
        "sgs_staff",
        "post",
        "/api/v1/classroom-sessions/",
        lambda s: {
            "module": "WCO",
            "partner": s["sgs"],
            "starts_on": "2024-02-05",
            "ends_on": "2024-02-06",
            "venue": "Hall",
            "city": "Guangzhou",
            "country": "CN",
            "trainers": [s["t"]],
        },
    ),
    "visit-create": (
        "sgs_staff",
        "post",
        "/api/v1/visits/",
        lambda s: {
            "enrolment": s["enrolment"],
            "kind": "follow_up",
            "trainer": s["t"],
            "visited_on": "2024-03-01",
            "duration_hours": 4,
        },
    ),
    "project-create": (
        "sgs_staff",
        "post",
        "/api/v1/improvement-projects/",
        lambda s: {"enrolment": s["enrolment"], "title": "Defect log", "status": "open"},
    ),
    "project-update": (
        "sgs_staff",
        "patch",
        "/api/v1/improvement-projects/{project}/",
        lambda s: {"status": "in_progress", "savings_amount": "10"},
    ),
    "kpi-create": (
        "sgs_staff",
        "post",
        "/api/v1/kpi-measurements/",
        lambda s: {
            "enterprise": s["e"],
            "indicator": "defect_rate",
            "period": "2024-03",
            "value": "4.5",
        },
    ),
    "kpi-update": (
        "sgs_staff",
        "patch",
        "/api/v1/kpi-measurements/{measurement}/",
        lambda s: {"value": "3.5", "note": "corrected"},
    ),
    "kpi-bulk": (
        "sgs_staff",
        "post",
        "/api/v1/kpi-measurements/bulk/",
        lambda s: [
            {"enterprise": s["e"], "indicator": "waste", "period": "2024-04", "value": "2"},
            {"enterprise": s["e"], "indicator": "absenteeism", "period": "2024-04", "value": "3"},
        ],
    ),
    "licence-create": (
        "ilo_admin",
        "post",
        "/api/v1/licences/",
        lambda s: {
            "partner": s["sgs"],
            "reference": "SGS-2030",
            "countries": ["CN"],
            "modules": ["WCO"],
            "valid_from": "2024-01-01",
            "valid_until": "2026-01-01",
            "status": "active",
        },
    ),
    "licence-update": (
        "ilo_admin",
        "patch",
        "/api/v1/licences/{licence}/",
        lambda s: {"valid_until": "2031-01-01"},
    ),
    "organisation-create": (
        "ilo_admin",
        "post",
        "/api/v1/organisations/",
        lambda s: {"name": "New Partner", "kind": "partner", "countries": ["CN"]},
    ),
    "trainer-create": (
        "sgs_manager",
        "post",
        "/api/v1/trainers/",
        lambda s: {
            "full_name": "Zhang Wei",
            "email": "zhang@example.org",
            "organisation": s["sgs"],
            "countries": ["CN"],
            "languages": ["zh"],
        },
    ),
    "certification-create": (
        "ilo_admin",
        "post",
        "/api/v1/certifications/",
        lambda s: {
            "trainer": s["t"],
            "module": "QM",
            "level": "certified",
            "awarded_on": "2020-01-01",
        },
    ),
    "certification-update": (
        "ilo_admin",
        "patch",
        "/api/v1/certifications/{certification}/",
        lambda s: {"expires_on": "2030-01-01"},
    ),
    "supplier-link-request": (
        "adidas_viewer",
        "post",
        "/api/v1/supplier-links/",
        lambda s: {"enterprise": s["e"]},
    ),
    "token": (
        None,
        "post",
        "/api/v1/auth/token/",
        lambda s: {"username": "sgs.staff", "password": "wrong"},
    ),
}


def _mutate(body, data):
    """Replace one field (or the whole body, or add an unknown field) with hostile JSON."""
    choice = data.draw(st.integers(min_value=0, max_value=9))
    if choice == 0:
        return data.draw(hostile_json)
    target = body[0] if isinstance(body, list) else body
    keys = sorted(target) + ["unexpected_field"]
    key = data.draw(st.sampled_from(keys))
    target = dict(target)
    target[key] = data.draw(hostile_json)
    if choice == 1:  # a second field too
        other = data.draw(st.sampled_from(keys))
        target[other] = data.draw(hostile_json)
    return [target, *body[1:]] if isinstance(body, list) else target


@pytest.mark.parametrize("write", sorted(API_WRITES))
@HYPOTHESIS
@given(data=st.data())
def test_no_api_write_answers_a_server_error(scene, write, data):
    persona, method, path, body = API_WRITES[write]
    world = scene["world"]
    client = client_for(getattr(world.users, persona) if persona else None)
    payload = _mutate(body(scene), data)
    raw = json.dumps(payload)  # NaN and Infinity go out as JSON extensions, as a client might
    response = client.generic(
        method.upper(), path.format(**scene), raw, content_type="application/json"
    )
    TRIED["api"] += 1
    assert response.status_code < 500, (write, payload, response.content[:500])


# --- the portal's forms ---------------------------------------------------------------------

FORMS = {
    "enterprise-create": ("sgs_manager", "/enterprises/new/"),
    "enterprise-update": ("sgs_manager", "/enterprises/{e}/edit/"),
    "participant-create": ("sgs_manager", "/enterprises/{e}/participants/new/"),
    "participant-update": ("sgs_manager", "/enterprises/participants/{participant}/edit/"),
    "enrol": ("sgs_staff", "/training/enterprises/{e}/enrol/"),
    "enrolment-update": ("sgs_staff", "/training/enrolments/{enrolment}/edit/"),
    "session-create": ("sgs_staff", "/training/sessions/new/"),
    "session-update": ("sgs_staff", "/training/sessions/{session}/edit/"),
    "visit-create": ("sgs_staff", "/training/enrolments/{enrolment}/visits/new/"),
    "project-create": ("sgs_staff", "/training/enrolments/{enrolment}/projects/new/"),
    "project-update": ("sgs_staff", "/training/projects/{project}/edit/"),
    "kpi-month": ("sgs_staff", "/kpis/enterprises/{e}/2024-03/"),
    "password-change": ("sgs_staff", "/accounts/password/"),
    "login": (None, "/accounts/login/"),
}
# Posts of a page without a form of its own: (persona, path, fields)
POSTS = {
    "enrolment-status": ("sgs_staff", "/training/enrolments/{enrolment}/status/", ["status"]),
    "project-move": ("sgs_staff", "/training/projects/{project}/move/", ["status"]),
    "attendance": (
        "sgs_staff",
        "/training/sessions/{session}/attendance/",
        ["participant", "days_attended"],
    ),
    "import-commit": ("sgs_staff", "/imports/999999/commit/", ["confirm"]),
    "token-create": ("sgs_staff", "/accounts/tokens/", ["anything"]),
}

FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"[^>]*>', re.S)
VALUE = re.compile(r'\svalue="([^"]*)"')


def _form_fields(html: str) -> dict[str, str]:
    """The fields of the page's main form and the values it renders (a plain browser)."""
    main = html.split("<main", 1)[-1]
    fields = {}
    for match in FIELD.finditer(main):
        name = match.group(1)
        if name in ("csrfmiddlewaretoken",):
            continue
        value = VALUE.search(match.group(0))
        fields.setdefault(name, value.group(1) if value else "")
    return fields


def _as_form_value(value):
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, dict):
        return json.dumps(value)
    return "" if value is None else str(value)


form_text = st.one_of(
    hostile_text,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.lists(st.sampled_from(HOSTILE_STRINGS[:12]), max_size=3),
)


def _no_surrogates(value):
    if isinstance(value, list):
        return [_no_surrogates(item) for item in value]
    return value.encode("utf-8", "replace").decode("utf-8")


@pytest.mark.parametrize("form", sorted(FORMS))
@HYPOTHESIS
@given(data=st.data())
def test_no_form_answers_a_server_error(scene, form, data):
    persona, path = FORMS[form]
    world = scene["world"]
    client = Client()
    if persona:
        client.force_login(getattr(world.users, persona))
    url = path.format(**scene)
    page = client.get(url)
    assert page.status_code == 200, (form, page.status_code)
    fields = _form_fields(page.content.decode())
    assert fields, form
    names = sorted(fields)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        fields[data.draw(st.sampled_from([*names, "unexpected_field"]))] = _no_surrogates(
            _as_form_value(data.draw(form_text))
        )
    response = client.post(url, fields)
    TRIED["forms"] += 1
    assert response.status_code < 500, (form, fields, response.status_code)


@pytest.mark.parametrize("post", sorted(POSTS))
@HYPOTHESIS
@given(data=st.data())
def test_no_action_post_answers_a_server_error(scene, post, data):
    persona, path, names = POSTS[post]
    client = Client()
    client.force_login(getattr(scene["world"].users, persona))
    fields = {
        name: _no_surrogates(_as_form_value(data.draw(form_text)))
        for name in names
        if data.draw(st.booleans()) or name == names[0]
    }
    response = client.post(path.format(**scene), fields, HTTP_HX_REQUEST="true")
    TRIED["forms"] += 1
    assert response.status_code < 500, (post, fields, response.status_code)


def test_upload_form_with_hostile_fields_and_files(scene):
    from tests.portal.conftest import upload_file

    client = Client()
    client.force_login(scene["world"].users.sgs_manager)
    files = [
        ("x.csv", b"\x00" * 1000),
        ("x.xlsx", b"PK\x03\x04" + b"\xff" * 2000),
        ("x.csv", b"enterprise_id,indicator,period,value\n" + b"\xff\xfe" * 500),
        ("x.csv", b"name,country,sector,employees_total\n" + b'"unterminated,CN\n' * 50),
        (
            "x.csv",
            (
                "name,country,sector,employees_total\n" + "=cmd|' /C calc'!A0,CN,garments,5\n"
            ).encode(),
        ),
        ("../../etc/passwd", b"root:x:0:0"),
        ("x" * 500 + ".csv", b"a,b\n1,2\n"),
        ("x.csv", b"a," * 20_000 + b"\n"),
    ]
    for kind in ("enterprises", "participants", "kpi_measurements", "<script>", ""):
        for name, content in files:
            response = client.post(
                "/imports/new/", {"kind": kind, "file": upload_file(name, content)}
            )
            TRIED["forms"] += 1
            assert response.status_code < 500, (kind, name)


# --- list filters and query strings --------------------------------------------------------

LISTS = [
    "/enterprises/",
    "/training/enrolments/",
    "/training/sessions/",
    "/training/projects/",
    "/imports/",
    "/api/v1/enterprises/",
    "/api/v1/kpi-measurements/",
    "/api/v1/enrolments/",
    "/api/v1/supplier-links/",
    "/dashboards/programme/",
    "/impact/",
]
QUERY_KEYS = [
    "search",
    "country",
    "sector",
    "status",
    "partner",
    "module",
    "enterprise",
    "indicator",
    "period",
    "ordering",
    "page",
    "page_size",
    "cursor",
    "export",
    "enterprise_id",
    "os_id",
    "format",
    "lang",
]


@pytest.mark.parametrize("path", LISTS)
@HYPOTHESIS
@given(data=st.data())
def test_no_list_filter_answers_a_server_error(scene, path, data):
    client = Client()
    user = "ilo_officer" if path.startswith("/dashboards/programme") else "sgs_manager"
    client.force_login(getattr(scene["world"].users, user))
    query = {
        data.draw(st.sampled_from(QUERY_KEYS)): _no_surrogates(_as_form_value(data.draw(form_text)))
        for _ in range(data.draw(st.integers(min_value=1, max_value=3)))
    }
    response = client.get(path, query)
    TRIED["filters"] += 1
    assert response.status_code < 500, (path, query, response.status_code)


# --- what was stored does not run ----------------------------------------------------------


def test_stored_html_is_escaped_on_the_pages_and_defused_in_exports(world, client):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    formula = '=HYPERLINK("http://example.org","click")'
    enterprise = Enterprise.objects.create(
        name=payload,
        city=formula,
        country="CN",
        sector="garments",
        employees_total=10,
        partner=world.sgs,
    )
    client.force_login(world.users.sgs_manager)
    for url in (f"/enterprises/{enterprise.pk}/", "/enterprises/", "/"):
        body = client.get(url).content.decode()
        assert payload not in body, url
    assert "&lt;script&gt;" in client.get(f"/enterprises/{enterprise.pk}/").content.decode()

    csv_body = b"".join(client.get("/enterprises/", {"export": "csv"}).streaming_content)
    assert f"'{formula}".replace('"', '""').encode() in csv_body

    from io import BytesIO

    from openpyxl import load_workbook

    xlsx = client.get("/enterprises/", {"export": "xlsx"})
    content = b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content
    cells = [
        cell
        for row in load_workbook(BytesIO(content)).active.iter_rows(values_only=True)
        for cell in row
    ]
    assert f"'{formula}" in cells
    assert formula not in cells
