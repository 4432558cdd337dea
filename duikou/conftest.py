"""Test set-up shared by every app: the reference data is loaded once per test database.

Regions are loaded down to county level here (townships and villages have their own test); everything
else (old areas, policy library, designations, national pairings, organisations) is loaded in full.
"""

import os

import pytest

REFERENCE_LEVELS = ["province", "prefecture", "county"]


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


def _seed():
    from duikou.geo.models import Region
    from duikou.seeding import seed_reference_data

    if not Region.objects.exists():
        seed_reference_data(levels=REFERENCE_LEVELS)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        made = _test_database()
        _seed()
    yield
    if made:
        from django.test.utils import teardown_databases

        with django_db_blocker.unblock():
            teardown_databases(made, verbosity=0)


def _test_database():
    """pytest-django makes the test database for the tests marked ``django_db``; when only ``committed_db`` tests
    run (no mark), make it here. Returns what ``teardown_databases`` needs, or None."""
    from django.db import connection
    from django.test.utils import setup_databases

    if connection.settings_dict["NAME"] == connection.settings_dict["TEST"]["NAME"]:
        return None
    return setup_databases(verbosity=0, interactive=False, aliases={"default"})


@pytest.fixture
def reference_data(django_db_blocker):
    """For transactional tests, whose database is emptied after each test: seed again if needed."""
    with django_db_blocker.unblock():
        _seed()


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access with every write committed at once, for tests whose clients run in threads of their own
    (``duikou.testing.race``): each thread has its own connection and sees only committed rows.

    Like ``transactional_db`` — but where that empties every table after the test and the next one seeds the
    reference data again (seconds on PostgreSQL, per test), this deletes only the rows the test added. Rows that
    existed before keep any change the test made to them: race on rows the test creates. Tests that use it carry
    no ``django_db`` mark, so pytest-django runs them after all the others."""
    with django_db_blocker.unblock():
        _seed()
        marks = _row_marks()
        try:
            yield
        finally:
            _delete_rows_added(marks)


def _tables():
    """(table, primary key column, whether the key is a number) of every table Django manages, once each."""
    from django.apps import apps
    from django.db import models

    seen, out = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        numeric = isinstance(meta.pk, models.AutoField | models.BigAutoField | models.IntegerField)
        out.append((meta.db_table, meta.pk.column, numeric))
    return out


def _row_marks() -> dict:
    """Per table: its highest numeric key, or the set of its keys."""
    from django.db import connection

    marks = {}
    with connection.cursor() as cursor:
        for table, pk, numeric in _tables():
            t, k = connection.ops.quote_name(table), connection.ops.quote_name(pk)
            if numeric:
                cursor.execute(f"SELECT MAX({k}) FROM {t}")  # noqa: S608 - names from the model registry
                marks[table] = cursor.fetchone()[0] or 0
            else:
                cursor.execute(f"SELECT {k} FROM {t}")  # noqa: S608
                marks[table] = {row[0] for row in cursor.fetchall()}
    return marks


def _delete_rows_added(marks: dict) -> None:
    """Delete every row added since ``marks``, all in one transaction (foreign keys are checked at its end). On
    PostgreSQL the audit trail refuses to lose entries younger than six months (migration audit 0001); the test
    database's owner lifts that for this transaction only, as only a table's owner can."""
    from django.db import connection, transaction

    append_only = "auditlog_logentry {} TRIGGER duikou_audit_append_only"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE " + append_only.format("DISABLE"))
        for table, pk, numeric in _tables():
            t, k = connection.ops.quote_name(table), connection.ops.quote_name(pk)
            if numeric:
                cursor.execute(f"DELETE FROM {t} WHERE {k} > %s", [marks[table]])  # noqa: S608
                continue
            cursor.execute(f"SELECT {k} FROM {t}")  # noqa: S608
            added = sorted({row[0] for row in cursor.fetchall()} - marks[table])
            for start in range(0, len(added), 500):
                part = added[start : start + 500]
                cursor.execute(f"DELETE FROM {t} WHERE {k} IN ({', '.join(['%s'] * len(part))})", part)  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE " + append_only.format("ENABLE"))


@pytest.fixture
def artifacts_dir():
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
    from django.db import connection

    if connection.vendor != "sqlite":
        # The SQLite and PostgreSQL runs go side by side: each writes its documents to its own folder.
        path = os.path.join(path, connection.vendor)
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _isolated_media_and_inline_jobs(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder; background jobs run inline unless a test
    asks for the thread pool; passwords are hashed fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DUIKOU_MESSAGING_OUTBOX = tmp_path / "outbox"  # notification messages of the development backend
    settings.DUIKOU_JOBS_INLINE = True
    # Test accounts only: the production hasher is deliberately slow, and the suite makes hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: the public site's keys carry the generation stored in the database,
    which every test starts again from the same number, so a page kept by an earlier test would otherwise be found."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's language: a page requested in English leaves its language active on the
    thread (the locale middleware does not reset it), and a later test calling a service would get English."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture
def job_worker(settings):
    """A worker beside the test, as `duikou worker` runs: a thread (with a database connection of its own, so it
    sees committed rows only: use with ``live_server`` or ``committed_db``) taking the queued jobs."""
    import threading

    from django.db import connection

    from duikou.testing import queue_worker

    settings.DUIKOU_JOBS_INLINE = False
    worker = queue_worker(interval=0.2, batch=False)

    def run():
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="test-worker", daemon=True)
    thread.start()
    yield worker
    worker.running = False
    thread.join(timeout=30)


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """``client.force_login(user)`` signs in past both factors: for the roles that sign in with a second factor
    (approvers, the three administrators) it also marks the session verified by the user's authenticator app, as
    ``testing.login`` does. The two-factor step itself is tested through the real login form (accounts tests) and
    in the browser (``core.tests.test_browser.login``)."""
    from django.test import Client

    from duikou import testing

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        testing.mark_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


# ---- browser tests (headless Chromium from Debian, driven by Playwright) ----------------------------------
# Imported lazily so that the non-browser runs do not start Playwright.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not installed at {CHROMIUM} (make test installs Debian's chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts (one per user: separate cookies), closed after the test; ``make(size)`` resizes
    the page's viewport to ``size`` (a phone's, a wide screen's)."""
    contexts = []

    def make(size: dict | None = None):
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        # Shown by pytest when a test fails: what the browser complained about.
        page.on("console", lambda msg: msg.type in ("error", "warning") and print(f"console {msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: print(f"page error: {exc}"))
        page.on("response", lambda r: r.status >= 400 and print(f"HTTP {r.status} {r.url}"))
        if size:
            page.set_viewport_size(size)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session", autouse=True)
def _static_names_without_collectstatic():
    """Tests serve the static files from the source folders (the live server's handler looks them up by their plain
    names) and need no `collectstatic`: the storage that names them by their hash reads the manifest that
    `collectstatic` writes. The hashed names and their caching are tested against the real web server
    (core/tests/test_web_server.py)."""
    from django.test import override_settings

    plain = override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    plain.enable()
    yield
    plain.disable()
