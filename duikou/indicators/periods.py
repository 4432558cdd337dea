"""Reporting periods, in DHIS2's ids: ``2025`` (year), ``2025Q3`` (quarter), ``202509`` (month).

Every period id that enters duikou (page, API, import) is parsed here and nowhere else.
"""

import datetime
import functools
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

YEAR, QUARTER, MONTH = "year", "quarter", "month"
PERIOD_TYPES = [
    (YEAR, pgettext_lazy("period type", "年")),
    (QUARTER, pgettext_lazy("period type", "季")),
    (MONTH, pgettext_lazy("period type", "月")),
]
_PATTERNS = [
    (re.compile(r"^(\d{4})$"), YEAR),
    (re.compile(r"^(\d{4})Q([1-4])$"), QUARTER),
    (re.compile(r"^(\d{4})(0[1-9]|1[0-2])$"), MONTH),
]
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True, order=True)
class Period:
    year: int
    type: str
    index: int  # quarter 1–4, month 1–12, 1 for a year

    @property
    def id(self) -> str:
        if self.type == YEAR:
            return f"{self.year}"
        if self.type == QUARTER:
            return f"{self.year}Q{self.index}"
        return f"{self.year}{self.index:02d}"

    def __str__(self) -> str:
        return self.id

    @property
    def label(self) -> str:
        """The period as a reader says it, in the active language: 2025年第3季度, Q3 2025."""
        if self.type == YEAR:
            return pgettext("period", "%(year)s年") % {"year": self.year}
        if self.type == QUARTER:
            return pgettext("period", "%(year)s年第%(quarter)s季度") % {"year": self.year, "quarter": self.index}
        return date_format(self.start, "YEAR_MONTH_FORMAT")  # 2025年9月, September 2025

    @property
    def quarter(self) -> int:
        return {YEAR: 4, QUARTER: self.index, MONTH: (self.index - 1) // 3 + 1}[self.type]

    @property
    def start(self) -> datetime.date:
        month = {YEAR: 1, QUARTER: self.index * 3 - 2, MONTH: self.index}[self.type]
        return datetime.date(self.year, month, 1)

    @property
    def end(self) -> datetime.date:
        month = {YEAR: 12, QUARTER: self.index * 3, MONTH: self.index}[self.type]
        if month == 12:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, month + 1, 1) - datetime.timedelta(days=1)

    def previous(self) -> "Period":
        if self.type == YEAR:
            return Period(self.year - 1, YEAR, 1)
        last = 4 if self.type == QUARTER else 12
        if self.index == 1:
            return Period(self.year - 1, self.type, last)
        return Period(self.year, self.type, self.index - 1)

    def next(self) -> "Period":
        if self.type == YEAR:
            return Period(self.year + 1, YEAR, 1)
        last = 4 if self.type == QUARTER else 12
        if self.index == last:
            return Period(self.year + 1, self.type, 1)
        return Period(self.year, self.type, self.index + 1)


def parse_period(value, *, expected_type: str | None = None) -> Period:
    """Parse a period id; a clear Chinese error names the bad value (and the expected kind when given)."""
    return _parse(str(value or "").strip(), expected_type)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, expected_type: str | None) -> Period:
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if match:
            year = int(match.group(1))
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise ValidationError(
                    _("报告期「%(text)s」的年份超出 %(min)s–%(max)s") % {"text": text, "min": MIN_YEAR, "max": MAX_YEAR}
                )
            period = Period(year, kind, int(match.group(2)) if kind != YEAR else 1)
            if expected_type and kind != expected_type:
                raise ValidationError(
                    _("报告期「%(text)s」是%(kind)s，此处应为%(expected)s")
                    % {"text": text, "kind": _type_name(kind), "expected": _type_name(expected_type)}
                )
            return period
    raise ValidationError(_("报告期「%(text)s」无效：应为 2025（年）、2025Q3（季度）或 202509（月）") % {"text": text})


def _type_name(kind: str) -> str:
    return {
        YEAR: pgettext("period type", "年度"),
        QUARTER: pgettext("period type", "季度"),
        MONTH: pgettext("period type", "月度"),
    }[kind]


def periods_of_year(year: int, kind: str) -> list[Period]:
    count = {YEAR: 1, QUARTER: 4, MONTH: 12}[kind]
    return [Period(year, kind, i) for i in range(1, count + 1)]
