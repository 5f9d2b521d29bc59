from enterprises.selectors import enterprises_visible_to


def test_partner_sees_only_its_own_enterprise(world):
    visible = list(enterprises_visible_to(world.users.sgs_staff))
    assert visible == [world.sgs_enterprise]
