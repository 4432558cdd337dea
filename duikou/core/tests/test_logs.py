"""No ID card or phone number reaches the logs: not through a request line, a traceback or a failed job."""

import io
import logging

import pytest

from duikou import testing
from duikou.core.jobs import start_job
from duikou.core.logs import redact

ID = "41152619800101123X"
PHONE = "13812345678"


def fails(*, user, progress):
    raise KeyError(ID)


@pytest.fixture
def written():
    """What every handler of the configured loggers writes, for the duration of a test."""
    buffer = io.StringIO()
    handlers = {h for name in ("", "django.server") for h in logging.getLogger(name).handlers}
    handlers = {h for h in handlers if isinstance(h, logging.StreamHandler) and h.__class__.__module__ == "logging"}
    before = {h: h.setStream(buffer) for h in handlers}
    yield buffer
    for handler, stream in before.items():
        handler.setStream(stream)


def test_the_built_in_servers_access_log_masks_identifiers_in_the_query_string(written):
    # what runserver writes for a job seeker searched by ID number, or a household by phone
    logging.getLogger("django.server").info(
        '"GET /markets/labour/seekers/?q=%s&tel=%%2B86%s HTTP/1.1" 200 5123', ID, PHONE
    )
    assert "seekers/?q=4115**********123X&tel=%2B" in written.getvalue()
    assert ID not in written.getvalue() and PHONE not in written.getvalue()


def test_an_error_with_a_personal_value_in_its_traceback_is_logged_masked(written):
    try:
        raise ValueError(f"invalid literal for int() with base 10: '{ID}' (电话 {PHONE})")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: /monitoring/households/")
    assert "Internal Server Error" in written.getvalue() and "ValueError" in written.getvalue()
    assert ID not in written.getvalue() and PHONE not in written.getvalue() and "*******5678" in written.getvalue()


@pytest.mark.django_db
def test_a_failed_job_is_logged_with_its_reference_and_without_the_values(written):
    job = start_job(kind="test", title="部门数据", user=testing.user("xy", "信阳市人民政府"), fn=fails)
    reference = job.message.rsplit(" ", 1)[-1]
    assert f"reference {reference}" in written.getvalue() and ID not in written.getvalue()


@pytest.mark.parametrize(
    "text,masked",
    [
        (f"q={ID}", "q=4115**********123X"),
        ("q=411526800101123", "q=4115*******1123"),  # a 15-digit number of the old kind
        (f"tel={PHONE}", "tel=*******5678"),
        (f"tel=+86{PHONE}", "tel=**********5678"),
        ("order 2026120611023 of 12 rows", "order 2026120611023 of 12 rows"),  # 13 digits: not an identifier
    ],
)
def test_identifier_shapes_are_masked(text, masked):
    assert redact(text) == masked
