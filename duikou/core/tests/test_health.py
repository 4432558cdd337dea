"""The probes: /healthz answers without the database, /readyz names each check and the ones that fail."""

import json

import pytest

from duikou import health

ALL_CHECKS = {"database", "migrations", "analytics_store", "job_table", "pii_key"}


@pytest.fixture
def pii_key(monkeypatch):
    monkeypatch.setenv("DUIKOU_PII_KEY", "00112233445566778899aabbccddeeff")


def test_healthz_answers_without_a_sign_in_or_the_database(client):
    response = client.get("/healthz")  # no django_db mark: a query would raise
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ok_when_every_check_passes(client, pii_key):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == ALL_CHECKS and all(c["ok"] for c in body["checks"].values())


@pytest.mark.django_db
def test_readyz_without_the_personal_data_key_is_503_naming_it(client, monkeypatch, settings, tmp_path):
    monkeypatch.delenv("DUIKOU_PII_KEY", raising=False)
    settings.VAR_DIR = tmp_path  # no var/pii_key file made by an earlier run either
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["failing"] == ["pii_key"]
    assert "DUIKOU_PII_KEY" in body["checks"]["pii_key"]["error"]
    assert not (tmp_path / "pii_key").exists()  # the probe never makes a key


@pytest.mark.django_db
def test_readyz_names_unapplied_migrations(client, pii_key, monkeypatch):
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: [("a migration", False)])
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failing"] == ["migrations"]


@pytest.mark.django_db
def test_readyz_reports_a_broken_analytics_store_without_its_path(client, pii_key, settings, tmp_path):
    store = tmp_path / "analytics.duckdb"
    store.write_bytes(b"not a duckdb file" * 100)
    settings.DUIKOU_ANALYTICS_PATH = str(store)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failing"] == ["analytics_store"]
    assert str(tmp_path) not in response.content.decode()


@pytest.mark.django_db
def test_an_unreachable_database_fails_the_checks_that_need_it_and_no_secret_is_shown(client, pii_key, monkeypatch):
    def unreachable():
        from django.db import OperationalError

        raise OperationalError("connection to server at 10.0.0.5 failed: password authentication failed")

    monkeypatch.setitem(health.CHECKS, "database", unreachable)
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["database", "migrations", "job_table"]
    assert "10.0.0.5" not in json.dumps(body) and "password" not in json.dumps(body)
