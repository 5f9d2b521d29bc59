"""What the dashboard tests share: a world with KPI results, and a logged-in client."""

import pytest
from django.utils import timezone

from partners.models import SupplierLink
from reports.aggregation.recompute import recompute_all
from tests import factories
from tests.kpi_helpers import series


@pytest.fixture
def results(world):
    """SGS serves four trained enterprises with defect-rate results (three granted to Inditex),
    TÜV Rheinland one; the aggregation has run."""
    session = factories.ClassroomSessionFactory(partner=world.sgs)
    sgs_enterprises = [world.sgs_enterprise] + [
        factories.EnterpriseFactory(name=f"SGS factory {number}", partner=world.sgs)
        for number in range(3)
    ]
    for number, enterprise in enumerate(sgs_enterprises):
        participant = factories.ParticipantFactory(
            enterprise=enterprise, full_name=f"Secret Person {number}"
        )
        factories.AttendanceFactory(session=session, participant=participant)
        factories.EnrolmentFactory(
            enterprise=enterprise, status="completed", completed_on=timezone.localdate()
        )
        series(enterprise, "defect_rate", 12.5, 10, 4.5 + number)
        series(enterprise, "productivity", 10, 11, 12 + number)
    for enterprise in sgs_enterprises[1:3]:
        factories.SupplierLinkFactory(brand=world.inditex, enterprise=enterprise)
    # A requested (not granted) link: the enterprise stays out of the brand's figures.
    factories.SupplierLinkFactory(
        brand=world.inditex, enterprise=sgs_enterprises[3], status=SupplierLink.Status.REQUESTED
    )
    series(world.tuv_enterprise, "defect_rate", 20, 19, 18)
    recompute_all(history=True)
    return sgs_enterprises


def login(client, user):
    client.force_login(user)
    return client
