"""Small factories for tests: each test builds only what it needs."""

from duikou.accounts.models import Organisation, User
from duikou.geo.models import Region
from duikou.pairings.models import Pairing

PASSWORD = "Test-pass-2026!"


def org(name: str) -> Organisation:
    """An organisation seeded from the pairings, e.g. 信阳市人民政府, 河南省人民政府, 国家发展改革委（振兴司）."""
    return Organisation.objects.get(name=name)


def county_org(code: str) -> Organisation:
    region = Region.objects.get(code=code)
    parent = Organisation.objects.filter(region_id=region.parent_id).first()
    return Organisation.objects.get_or_create(
        name=f"{region.name}人民政府", region=region, defaults={"kind": "county", "parent": parent}
    )[0]


def user(username: str, organisation: Organisation | str, role: str = "editor", **extra) -> User:
    if isinstance(organisation, str):
        organisation = org(organisation)
    account = User.objects.create(username=username, organisation=organisation, role=role, **extra)
    account.set_password(PASSWORD)
    account.save()
    return account


def pairing(old_city: str, partner: str) -> Pairing:
    return Pairing.objects.get(old_region__name=old_city, partner_region__name=partner, status="active")
