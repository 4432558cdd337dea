"""The probes of the deployment kit: ``/healthz`` (the process answers) and ``/readyz`` (it can serve: database,
migrations, analytics store, job table, personal-data key).

Both answer JSON without a sign-in and without the scoping layer (core/permission_matrix.PUBLIC says why): they read
no data, and what they answer names each check and whether it passed — never a key, a path, an address or an error
text that could carry one (the reason of a failure is logged, with the request id, for the operator).
"""

import logging
from collections.abc import Callable

import duckdb
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


class NotReady(Exception):
    """A check failed for a reason the answer may name (a fixed text, no data)."""


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_migrations() -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise NotReady("unapplied migrations: run `duikou migrate`")


def check_analytics_store() -> None:
    """The DuckDB file opens read-only. A store not built yet is fine (the first query builds it) if its folder
    exists; one that a writer holds at this moment is fine too (readers wait for it or read a published copy)."""
    from duikou.indicators.analytics import store_path

    path = store_path()
    if not path.exists():
        if not path.parent.is_dir():
            raise NotReady("the folder of the analytics store does not exist")
        return
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise


def check_job_table() -> None:
    from duikou.core.models import Job

    Job.objects.order_by().values_list("pk")[:1].exists()


def check_pii_key() -> None:
    from duikou.core import pii

    if pii.key_fingerprint() is None:
        raise NotReady("no personal-data key: set DUIKOU_PII_KEY (the same on every machine)")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "analytics_store": check_analytics_store,
    "job_table": check_job_table,
    "pii_key": check_pii_key,
}
NEEDS_DATABASE = ("migrations", "job_table")


def run_checks() -> dict[str, dict]:
    """Check name → {"ok": bool, and "error": a fixed text when it failed}."""
    results: dict[str, dict] = {}
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and not results["database"]["ok"]:
            results[name] = {"ok": False, "error": "database unreachable"}
            continue
        try:
            check()
        except NotReady as exc:
            results[name] = {"ok": False, "error": str(exc)}
        except (DatabaseError, duckdb.Error, ImproperlyConfigured, OSError):
            log.exception("readiness check %s failed", name)
            results[name] = {"ok": False, "error": f"{name} check failed (see the log)"}
        else:
            results[name] = {"ok": True}
    return results


@never_cache
@require_GET
def healthz(request):
    """Alive: the process answers. No database, nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Ready to serve: 200 when every check passes, 503 naming the ones that failed."""
    checks = run_checks()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "fail" if failing else "ok", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)
