"""Small factories for tests: each test builds only what it needs."""

import os
import shutil

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


def tool(name: str) -> str:
    """The path of a command-line tool the test needs (pdftotext, pdftoppm…): skipped when it is missing, except in CI,
    where that fails."""
    import pytest

    path = shutil.which(name)
    if path is None:
        message = f"{name} not installed (make test installs Debian's poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


# ---- concurrency: several clients at the same moment ---------------------------------------------------------

# clients per race: on PostgreSQL they really run at once; SQLite (IMMEDIATE transactions) queues writers, so a few
# show there that the refusals read right
RACERS = {"postgresql": 6, "sqlite": 3}


def racers() -> int:
    from django.db import connection

    return RACERS.get(connection.vendor, 2)


def race(prepare, n: int | None = None) -> list:
    """Run ``n`` clients at the same moment and return what each one's request gave (or the exception it raised).

    Client ``i`` runs in a thread of its own, so on a database connection of its own: ``prepare(i)`` sets it up (logs
    in, reads what the user's page would show) and returns the request to make; a barrier then releases all the
    requests at once. Everything the threads read must be committed: see the ``committed_db`` fixture.
    """
    import threading

    from django.db import connection

    n = n or racers()
    barrier = threading.Barrier(n, timeout=60)
    results: list = [None] * n

    def client(i: int) -> None:
        try:
            act = None
            try:
                act = prepare(i)
            finally:
                barrier.wait()
            results[i] = act()
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which names it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,), name=f"racer-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a racing client did not finish"
    return results


def logged_in(user):
    """A test client of its own, logged in as ``user`` (call it in ``prepare``: logging in writes the session)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def clients(user, send):
    """A ``prepare`` for ``race``: client ``i``, logged in as ``user``, will make the request ``send(client, i)``."""

    def prepare(i: int):
        client = logged_in(user)
        return lambda: send(client, i)

    return prepare


def statuses(results: list) -> list:
    """The HTTP status of each racing client's response, or the exception it raised (sorted: easy to compare)."""
    return sorted((r.status_code if hasattr(r, "status_code") else repr(r) for r in results), key=str)


# ---- workflows: the table against the services ------------------------------------------------------------------


def assert_steps_agree(workflow, obj, users: dict, take) -> None:
    """The workflow's table and its services agree on ``obj`` for every step and every user of ``users`` (name →
    user): a step ``allowed_steps`` offers is accepted by the service (``take(step_name, user, obj)`` raises
    nothing), a step it does not offer is refused (PermissionDenied, ValidationError, or StaleObjectError where the
    service finds under its lock that the step has been taken). Give ``take`` valid input, so that only the table can
    refuse. Each attempt is rolled back and starts from the stored object."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from duikou.core.errors import StaleObjectError

    model = type(obj)
    wrong = []
    for name, user in users.items():
        offered = {s.name for s in workflow.allowed_steps(user, model._default_manager.get(pk=obj.pk))}
        for step in workflow:
            savepoint = transaction.savepoint()
            try:
                take(step.name, user, model._default_manager.get(pk=obj.pk))
                refusal = None
            except (PermissionDenied, ValidationError, StaleObjectError) as exc:
                refusal = exc
            finally:
                transaction.savepoint_rollback(savepoint)
            if step.name in offered and refusal is not None:
                wrong.append(f"{step.name} × {name}: offered but refused ({type(refusal).__name__}: {refusal})")
            elif step.name not in offered and refusal is None:
                wrong.append(f"{step.name} × {name}: not offered but accepted")
    assert not wrong, f"{model.__name__} #{obj.pk} ({obj.status}):\n" + "\n".join(wrong)


def turn_of(workflow, obj) -> tuple[list[str], list[str], object]:
    """Whose turn it is on ``obj``, plainly: (the parties' names, the steps waited for, the due date)."""
    turn = workflow.turn(obj)
    return [str(p) for p in turn.parties], [s.name for s in turn.steps], turn.due


def queue_worker(*, interval: float, batch: bool):
    """A worker of the default queue as `duikou worker` makes it (``batch``: stop when the queue is empty)."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
