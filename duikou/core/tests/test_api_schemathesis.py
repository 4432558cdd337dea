"""Property-based check of the whole API against its live description (schemathesis).

A real HTTP server (pytest-django's ``live_server``: the app in a thread, on a free port, against the test
database) serves the API; schemathesis reads /api/openapi.json from it as each of two roles — a 信阳 city editor
and the national approver, signed in by API bearer tokens made directly in the test database — and sends every
operation a few generated requests, valid and invalid, writes included. It fails on any server error (5xx), on an
answer that does not match the documented schema, and on a status the operation does not document.

Bounded: a fixed number of examples per operation, derandomized (the same requests every run), no shrinking.
The writes land in this test's own database, which pytest-django empties after a test with a live server (the
tests that need reference data afterwards seed it again: ``reference_data``).

It runs once per ``make test``: in the PostgreSQL pass, the production database, whose column types refuse what
SQLite lets through (lengths, integer ranges, NUL), so a value the API forgot to check shows there as an error.
Without PostgreSQL (a local run that says it skipped that pass) it is skipped with it.
"""

import pytest
import schemathesis
from django.db import connection
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.core.tests.test_permission_matrix import world  # noqa: F401 (the matrix's objects, in and out of scope)

# examples per operation and role: with the path's ids set to objects the role may see (so that bodies and queries
# reach the services), then with everything generated and invalid (so that refusals are checked too)
KNOWN_EXAMPLES, NEGATIVE_EXAMPLES = 3, 2
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]

ROLES = {
    "xinyang_editor": ("信阳市人民政府", "editor"),
    "national_approver": ("国家发展改革委（振兴司）", "approver"),
}


def bearer(role: str) -> dict:
    organisation, kind = ROLES[role]
    _token, key = issue_token(user=testing.user(f"schemathesis_{role}", organisation, kind), name="schemathesis")
    return {"Authorization": f"Bearer {key}"}


def known_path_values(world) -> dict:  # noqa: F811
    """Path parameters named after the permission matrix's in-scope objects: plan_id → the 信阳 plan, ..."""
    values = {"pairing_id": world["inside"].pk, "other_id": world["inside_rerun"].pk, "code": "411500"}
    for key, obj in world.items():
        if key.startswith("inside_") and hasattr(obj, "pk"):
            values.setdefault(f"{key.removeprefix('inside_')}_id", obj.pk)
    return values


def operation_runs(schema, headers: dict, known: dict):
    """Per operation, bounded hypothesis runs, each raising the failures it found."""
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        path = {name: known[name] for name in names if name in known}
        for mode, examples, fixed in (
            (GenerationMode.POSITIVE, KNOWN_EXAMPLES, path),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, {}),
        ):

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
            @settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

            yield f"{operation.label} ({mode.value})", run


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="runs once per `make test`, in the PostgreSQL pass (the production database, whose types refuse most)",
)
@pytest.mark.django_db(transaction=True)
def test_api_answers_as_documented(reference_data, world, live_server):  # noqa: F811
    """Both roles in one test: one live server, and one emptying of the database afterwards."""
    base = live_server.url.replace("localhost", "127.0.0.1")  # no name lookup (::1 first) on every request
    known = known_path_values(world)
    failures = []
    for role in ROLES:
        headers = bearer(role)
        schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json", headers=headers, timeout=30)
        for label, run in operation_runs(schema, headers, known):
            try:
                run()
            except Unsatisfiable:
                continue  # nothing invalid to send (an operation without input, in the negative mode)
            except FailureGroup as exc:  # failed checks: the text names the request (as curl) and what was wrong
                failures.append(f"{role} {label}: {exc}")
    assert not failures, "\n\n".join(failures)
