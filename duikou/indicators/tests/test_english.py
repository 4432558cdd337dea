"""The indicator pages' own words in English: periods as an English reader says them, the library's names and units,
and the checks of the entry grid."""

import pytest
from django.utils import translation

from duikou import testing
from duikou.indicators import services
from duikou.indicators.models import Indicator
from duikou.indicators.periods import parse_period

from .factories import fill, report

pytestmark = pytest.mark.django_db


def test_periods_read_as_each_language_says_them():
    labels = [parse_period(p).label for p in ("2025", "2025Q3", "202509")]
    assert labels == ["2025年", "2025年第3季度", "2025年9月"]
    with translation.override("en"):
        assert [parse_period(p).label for p in ("2025", "2025Q3", "202509")] == ["2025", "Q3 2025", "September 2025"]


def test_indicators_are_named_with_their_units_in_english():
    signed = Indicator.objects.get(pk="signed_amount_wan")
    assert str(signed) == "签约金额（万元）"
    with translation.override("en"):
        assert str(signed) == "Signed investment (10k yuan)" and signed.display_unit == "10k yuan"


def test_the_grid_checks_speak_english_to_an_english_reader():
    editor = testing.user("xy_editor", "信阳市人民政府", "editor")
    rep = fill(editor, report(), signed_amount_wan="-5", training_persons=None)
    with translation.override("en"):
        messages = [v.message for v in services.validate_report(rep)]
    assert "“Training attendances” is empty (enter 0 if there is nothing to report)" in messages, messages
    assert any(m.startswith("“Signed investment” is -5, below the minimum of 0") for m in messages), messages
