"""Personas and the shared test world (style.md): ILO admin and officer, partner A (SGS)
manager and staff, partner B (TÜV Rheinland), brand X (Inditex), brand Y (Adidas), anonymous.
"""

import os
from types import SimpleNamespace

import pytest

from partners.models import Organisation, Role
from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(name: str, available: bool, why: str = "") -> None:
    """Skip a test whose service is absent in development; fail it on CI."""
    if available:
        return
    message = f"{name} is not available{': ' + why if why else ''}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under REQUIRE_SERVICES=1: {report.longrepr}"


@pytest.fixture
def world(db):
    """Two partners, two brands, ILO, one enterprise each, certified trainers, logins."""
    ilo = factories.OrganisationFactory(
        name="International Labour Organization", kind=Organisation.Kind.ILO
    )
    sgs = factories.OrganisationFactory(
        name="SGS", kind=Organisation.Kind.PARTNER, countries=["CN", "IN"]
    )
    tuv = factories.OrganisationFactory(
        name="TÜV Rheinland", kind=Organisation.Kind.PARTNER, countries=["CN"]
    )
    inditex = factories.OrganisationFactory(name="Inditex", kind=Organisation.Kind.BRAND)
    adidas = factories.OrganisationFactory(name="Adidas", kind=Organisation.Kind.BRAND)

    sgs_licence = factories.LicenceFactory(
        partner=sgs, reference="SGS-2017", countries=["CN", "IN"]
    )
    tuv_licence = factories.LicenceFactory(partner=tuv, reference="TUV-2018", countries=["CN"])

    users = SimpleNamespace(
        ilo_admin=factories.user_with_role(
            "ilo.admin", ilo, Role.ILO_ADMIN, is_staff=True, is_superuser=True
        ),
        ilo_officer=factories.user_with_role("ilo.officer", ilo, Role.ILO_OFFICER, is_staff=True),
        sgs_manager=factories.user_with_role("sgs.manager", sgs, Role.PARTNER_MANAGER),
        sgs_staff=factories.user_with_role("sgs.staff", sgs, Role.PARTNER_STAFF),
        tuv_manager=factories.user_with_role("tuv.manager", tuv, Role.PARTNER_MANAGER),
        inditex_viewer=factories.user_with_role("inditex.viewer", inditex, Role.BRAND_VIEWER),
        adidas_viewer=factories.user_with_role("adidas.viewer", adidas, Role.BRAND_VIEWER),
        no_role=factories.UserFactory(username="no.role"),
    )

    sgs_trainer = factories.certified_trainer(sgs, full_name="Li Wei")
    tuv_trainer = factories.certified_trainer(tuv, full_name="Anna Schmidt")

    sgs_enterprise = factories.EnterpriseFactory(name="Guangzhou Garments", partner=sgs)
    tuv_enterprise = factories.EnterpriseFactory(
        name="Shenzhen Electronics", partner=tuv, sector="electronics"
    )
    factories.SupplierLinkFactory(brand=inditex, enterprise=sgs_enterprise, status="granted")

    return SimpleNamespace(
        ilo=ilo,
        sgs=sgs,
        tuv=tuv,
        inditex=inditex,
        adidas=adidas,
        sgs_licence=sgs_licence,
        tuv_licence=tuv_licence,
        users=users,
        sgs_trainer=sgs_trainer,
        tuv_trainer=tuv_trainer,
        sgs_enterprise=sgs_enterprise,
        tuv_enterprise=tuv_enterprise,
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The world creates several logins per test; PBKDF2's deliberate slowness buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


DATA_MIGRATIONS = [
    ("modules.migrations.0003_original_modules", "create_modules"),
    ("reports.migrations.0002_indicator_catalogue", "create_indicators"),
]


@pytest.fixture
def catalogue(transactional_db):
    """The rows the data migrations create (training modules, the KPI catalogue), put back
    for a test on a transactional database: the flush after each such test empties every
    table, and serialized_rollback trips over the content types the flush re-creates."""
    from importlib import import_module

    from django.apps import apps

    for module_path, function in DATA_MIGRATIONS:
        getattr(import_module(module_path), function)(apps, None)
