"""The request id: taken from the proxy when it is a short token, made otherwise, answered in the response header,
written into every log line and into the audit entries of the request."""

import io
import json
import logging

import pytest
from auditlog.models import LogEntry

from duikou import testing
from duikou.core import requestid
from duikou.core.logs import AccessFields, JsonFormatter, RedactPersonalData


def test_an_id_from_the_proxy_is_kept_and_answered(client):
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-3f2a9c1d7e"})
    assert response["X-Request-ID"] == "nginx-3f2a9c1d7e"


@pytest.mark.parametrize("sent", ["", "short", "has space inside", "a" * 65, "<script>alert(1)</script>", "xé" * 5])
def test_an_id_that_is_not_a_short_token_is_replaced(client, sent):
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    assert response["X-Request-ID"] != sent and requestid.VALID.fullmatch(response["X-Request-ID"])


def test_each_request_without_an_id_gets_its_own(client):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def _json_lines(record_logger, emit):
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(requestid.RequestIdFilter())
    handler.addFilter(RedactPersonalData())
    record_logger.addHandler(handler)
    try:
        emit()
    finally:
        record_logger.removeHandler(handler)
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_log_line_written_during_a_request_carries_its_id(client, monkeypatch):
    logger = logging.getLogger("duikou.health")

    def view_logging(request):
        logger.warning("probe answered for %s", "41152619800101123X")
        from django.http import JsonResponse

        return JsonResponse({"status": "ok"})

    from django.urls import get_resolver

    pattern = next(p for p in get_resolver().url_patterns if getattr(p, "name", None) == "healthz")
    monkeypatch.setattr(pattern, "callback", view_logging)
    lines = _json_lines(logger, lambda: client.get("/healthz", headers={"X-Request-ID": "req-0123456789"}))
    assert lines == [
        {
            "time": lines[0]["time"],
            "level": "WARNING",
            "logger": "duikou.health",
            "request_id": "req-0123456789",
            "message": "probe answered for 4115**********123X",
        }
    ]


def test_a_log_line_outside_a_request_has_no_id():
    logger = logging.getLogger("duikou.test")
    lines = _json_lines(logger, lambda: logger.warning("no request"))
    assert lines[0]["request_id"] == "-"


def test_a_traceback_in_a_json_line_is_masked():
    logger = logging.getLogger("duikou.test")

    def fail():
        try:
            raise ValueError("bad id 41152619800101123X")
        except ValueError:
            logger.exception("failed")

    line = _json_lines(logger, fail)[0]
    assert "ValueError" in line["exc_info"] and "41152619800101123X" not in line["exc_info"]


def test_the_access_line_of_the_web_server_has_fields_with_the_query_masked():
    atoms = {"m": "GET", "U": "/markets/labour/seekers/", "q": "q=41152619800101123X", "s": "200", "B": 512}
    atoms |= {"M": 12, "h": "10.0.0.9", "a": "curl/8", "{x-request-id}o": "req-0123456789"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(m)s %(U)s", None, None)
    record.args = atoms  # gunicorn logs its format with the atoms as the one mapping argument
    for f in (AccessFields(), requestid.RequestIdFilter(), RedactPersonalData()):
        f.filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-0123456789" and line["status"] == 200 and line["duration_ms"] == 12
    assert line["query"] == "q=4115**********123X" and line["message"] == "GET /markets/labour/seekers/ 200"


@pytest.mark.django_db
def test_an_audit_entry_written_during_a_request_carries_its_id(client):
    admin = testing.user("xy_admin", "信阳市人民政府", "system_admin")
    account = testing.user("xy_clerk", "信阳市人民政府", "editor")
    client.force_login(admin)
    before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(
        f"/accounts/users/{account.pk}/deactivate/", headers={"X-Request-ID": "req-audit-0123456789"}
    )
    assert response.status_code == 302 and response["X-Request-ID"] == "req-audit-0123456789"
    entries = LogEntry.objects.filter(pk__gt=before)
    assert entries.exists() and set(entries.values_list("cid", flat=True)) == {"req-audit-0123456789"}


@pytest.mark.django_db
def test_a_correlation_header_a_client_writes_is_not_the_audit_id(client):
    """auditlog's own default would record whatever the client sent in X-Correlation-ID."""
    admin = testing.user("xy_admin", "信阳市人民政府", "system_admin")
    account = testing.user("xy_clerk", "信阳市人民政府", "editor")
    client.force_login(admin)
    response = client.post(
        f"/accounts/users/{account.pk}/deactivate/", headers={"X-Correlation-ID": "forged-by-the-client"}
    )
    entry = LogEntry.objects.get_for_object(account).latest("pk")
    assert entry.cid == response["X-Request-ID"] != "forged-by-the-client"


def test_work_started_outside_a_request_can_carry_the_id_of_the_request_that_started_it():
    with requestid.bound("req-0123456789") as bound_id:
        assert bound_id == requestid.current_request_id() == "req-0123456789"
    assert requestid.current_request_id() is None
