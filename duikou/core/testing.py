"""Small factories for tests: each test builds only what it needs."""

from auditlog.context import disable_auditlog
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def authenticator(account: User) -> TOTPDevice:
    """The account's confirmed authenticator app, enrolled here if it has none (not in the audit history: tests
    that count entries count what they did)."""
    device = TOTPDevice.objects.devices_for_user(account, confirmed=True).first()
    if device is None:
        with disable_auditlog():
            device = TOTPDevice.objects.create(user=account, name="测试验证器", confirmed=True)
    return device


def totp_code(account: User | str) -> str:
    """The code the account's authenticator app shows, computed from its key as the app does, for the first time
    step the device has not yet accepted (each code is taken once, so a second sign-in in the same 30 seconds uses
    the next step, which the device's tolerance of one step allows)."""
    if isinstance(account, str):
        account = User.objects.get(username=account)
    device = authenticator(account)
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    step = max(now, device.last_t + 1)
    assert step <= now + device.tolerance, "more sign-ins of one account than its authenticator allows at once"
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def mark_verified(client, account: User) -> None:
    """Mark the client's session as verified by the account's authenticator app, as django_otp.login does, when the
    account's role signs in with a second factor."""
    from duikou.accounts.rules import needs_two_factor

    if not needs_two_factor(account):
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(account).persistent_id
    session.save()


def login(client, account: User) -> None:
    """Sign ``client`` in as ``account`` past both factors (``client.force_login`` does the same under pytest:
    duikou/conftest.py adapts it)."""
    client.force_login(account)
    mark_verified(client, account)


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
