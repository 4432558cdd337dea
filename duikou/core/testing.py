"""Small factories for tests: each test builds only what it needs."""

from django.db import transaction

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


# values a person or a script may well send where a page or route expects something else: negative, zero, huge,
# not a number, quotes, a NUL character (which PostgreSQL refuses in any text), SQL LIKE wildcards, very long
ODD_VALUES = ["-1", "0", "99999999999999999999", "abc", "'\"", "a\x00b", "%_", "x" * 5000, "2025Q9", "411526\x00"]

# the filter and option names the pages read, to send all at once with the same odd value
FILTER_NAMES = (
    "q page status year period kind pairing level area since until city occupation skill category k indicator rows "
    "cols go side region cap old_area province home rule overdue certification buyer_kind industry key_task model "
    "user action fmt format dataset scheme run doc parent with other unit remove"
).split()


def status_alone(send, *args, **kwargs) -> int:
    """The status of the response ``send(*args, **kwargs)`` gets (``client.get``, ...), as a request of its own:
    what it wrote, or a statement the database refused, is rolled back with it (a test runs inside one
    transaction, which PostgreSQL keeps refusing after an error)."""
    savepoint = transaction.savepoint()
    try:
        return send(*args, **kwargs).status_code
    finally:
        transaction.savepoint_rollback(savepoint)
