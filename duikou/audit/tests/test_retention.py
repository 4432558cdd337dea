"""The audit trail is kept at least six months and is append-only: only `duikou purge-audit` removes entries, only
those older than the retention, and says so in the trail; on PostgreSQL the database refuses the rest."""

import datetime
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from duikou.pairings.models import Pairing

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def entry(days_ago: int, text: str = "旧记录") -> LogEntry:
    pairing = Pairing.objects.first()
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Pairing),
        object_pk=str(pairing.pk),
        object_id=pairing.pk,
        object_repr=text,
        action=LogEntry.Action.UPDATE,
        changes={"note": ["", text]},
        timestamp=timezone.now() - datetime.timedelta(days=days_ago),
    )


def purge(*args) -> str:
    out = io.StringIO()
    call_command("purge-audit", *args, stdout=out)
    return out.getvalue()


def test_purge_is_a_dry_run_by_default_then_removes_only_entries_older_than_the_retention(settings):
    settings.DUIKOU_AUDIT_RETENTION_DAYS = 400
    old, kept = entry(401, "四百零一天前"), entry(399, "三百九十九天前")
    assert "试运行" in purge() and "有 1 条（保存期 400 天）" in purge()
    assert LogEntry.objects.filter(pk=old.pk).exists()

    assert "已删除" in purge("--yes")

    assert not LogEntry.objects.filter(pk=old.pk).exists() and LogEntry.objects.filter(pk=kept.pk).exists()
    record = LogEntry.objects.latest("pk")  # the purge is itself in the trail
    assert record.action == LogEntry.Action.DELETE and record.actor is None
    assert re.fullmatch(r"删除 \S+ \S+ 之前的审计记录 1 条（保存期 400 天）", record.changes_dict["purged"][1])


def run_settings(**env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", "import duikou.settings"], env=environment, capture_output=True, text=True, cwd=ROOT
    )


def test_a_retention_under_six_months_stops_the_start_with_the_reason():
    refused = run_settings(DUIKOU_AUDIT_RETENTION_DAYS="90")
    assert refused.returncode != 0
    assert "DUIKOU_AUDIT_RETENTION_DAYS=90：审计记录至少保存 184 天（《网络安全法》第二十一条" in refused.stderr
    not_a_number = run_settings(DUIKOU_AUDIT_RETENTION_DAYS="三年")
    assert "DUIKOU_AUDIT_RETENTION_DAYS='三年' 无效：应为整数" in not_a_number.stderr
    assert run_settings(DUIKOU_AUDIT_RETENTION_DAYS="184").returncode == 0
    assert settings.DUIKOU_AUDIT_RETENTION_DAYS >= settings.AUDIT_MIN_RETENTION_DAYS == 184


def test_no_page_or_api_route_removes_audit_entries():

    def routes(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from routes(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.lookup_str

    audit = sorted(route for route, view in routes(get_resolver().url_patterns) if "audit" in route + view.lower())
    # the log and its export, an import's value changes and their export: reads (the permission matrix checks them)
    assert audit == ["audit/", "audit/export.xlsx", "audit/imports/<int:pk>/", "audit/imports/<int:pk>/export.xlsx"]
    # nothing in the platform changes or removes an entry, but the purge of audit/services.py
    writes = re.compile(r"LogEntry\b[^\n]*\.(update|delete|bulk_update)\(")
    found = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "duikou").rglob("*.py")
        if "/tests/" not in path.as_posix() and writes.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the database enforces it on PostgreSQL")


def refused(sql: str, params: list) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError as exc:
        return "audit" in str(exc)
    return False


@postgresql
def test_postgresql_refuses_to_change_any_entry():
    young, old = entry(1), entry(1000)
    for row in (young, old):
        assert refused("UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = %s", [row.pk])
    assert refused("UPDATE auditlog_logentry SET actor_id = NULL WHERE id = %s", [young.pk])
    assert LogEntry.objects.get(pk=old.pk).object_repr == "旧记录"


@postgresql
def test_postgresql_refuses_to_delete_entries_younger_than_six_months():
    young, old = entry(183), entry(185)
    assert refused("DELETE FROM auditlog_logentry WHERE id = %s", [young.pk])
    assert not refused("DELETE FROM auditlog_logentry WHERE id = %s", [old.pk])
    assert LogEntry.objects.filter(pk=young.pk).exists() and not LogEntry.objects.filter(pk=old.pk).exists()
