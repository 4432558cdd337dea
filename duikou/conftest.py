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
    from duikou.core.services import seed_reference_data
    from duikou.geo.models import Region

    if not Region.objects.exists():
        seed_reference_data(levels=REFERENCE_LEVELS)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _seed()


@pytest.fixture
def reference_data(django_db_blocker):
    """For transactional tests, whose database is emptied after each test: seed again if needed."""
    with django_db_blocker.unblock():
        _seed()


@pytest.fixture
def artifacts_dir():
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _isolated_media_and_inline_jobs(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder; background jobs run inline unless a test
    asks for the thread pool."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DUIKOU_JOBS_INLINE = True
