"""Working days: deadlines in 工作日 follow the State Council's yearly holiday schedule, the weekend days that become
working days (调休) included. The schedule is a table (``CalendarDay``), seeded from the ``chinesecalendar`` package
and extended by the system administrator when a new year's schedule is published (an air-gapped site cannot
upgrade a package every November); a province may add its own days. A year with no national day off in the table
has no schedule: its days count Monday to Friday, and callers are told which years were missing.
"""

import contextlib
import contextvars
import datetime
from dataclasses import dataclass, field
from importlib import metadata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

PACKAGE = "chinesecalendar"


@dataclass(frozen=True)
class Deadline:
    day: datetime.date
    missing_years: tuple[int, ...] = field(default=())  # years counted Monday to Friday: no schedule entered


def package_days() -> list[tuple[datetime.date, str, str]]:
    """(day, kind, name) of every day the installed ``chinesecalendar`` sets apart."""
    from chinese_calendar import constants

    days = [(d, "off", name) for d, name in constants.holidays.items()]
    days += [(d, "workday", name) for d, name in constants.workdays.items()]
    return sorted(days)


def load_package(model, *, actor=None) -> int:
    """Add the package's national days the table does not have yet (rows entered by hand are kept as they are);
    ``model`` is the CalendarDay model (the real one, or a migration's). Returns the rows added."""
    source = f"{PACKAGE} {metadata.version(PACKAGE)}（国务院办公厅节假日安排通知）"
    have = set(model.objects.filter(province="").values_list("day", flat=True))
    rows = [
        model(day=day, province="", kind=kind, name=NAMES.get(name, name), source=source, created_by=actor)
        for day, kind, name in package_days()
        if day not in have
    ]
    model.objects.bulk_create(rows)
    return len(rows)


NAMES = {  # the package names its festivals in English
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def covered_years() -> set[int]:
    """Years whose national schedule is in the table (a year has at least one national day off)."""
    from .models import CalendarDay

    return {d.year for d in CalendarDay.objects.filter(province="", kind="off").dates("day", "year")}


class Calendar:
    """The working days of one province (or the nation) over a span, read once."""

    def __init__(self, province: str = "", *, years: set[int] | None = None):
        from .models import CalendarDay

        self.province = province or ""
        rows = CalendarDay.objects.filter(province__in={"", self.province})
        if years:
            rows = rows.filter(day__year__in=years)
        self.special: dict[datetime.date, str] = {}
        for day, kind in rows.order_by("province").values_list("day", "kind"):
            self.special[day] = kind  # ordered national first: the province's own row comes last and wins
        self.covered = covered_years()

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.special.get(day)
        if kind is not None:
            return kind == "workday"
        return day.weekday() < 5

    def add(self, start: datetime.date, days: int) -> Deadline:
        """The day ``days`` working days after ``start`` (``start`` itself not counted)."""
        if days < 0:
            raise ValueError("days must be 0 or more")
        day, left, missing = start, days, set()
        while left:
            day += datetime.timedelta(days=1)
            if day.year not in self.covered:
                missing.add(day.year)
            if self.is_working_day(day):
                left -= 1
        return Deadline(day, tuple(sorted(missing)))

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += datetime.timedelta(days=1)
            count += self.is_working_day(day)
        return count


_reuse: contextvars.ContextVar[dict | None] = contextvars.ContextVar("workdays_reuse", default=None)


@contextlib.contextmanager
def reused_calendars():
    """Inside the block, each province's calendar is read from the table once and reused: for a bulk path (an import
    of thousands of declarations) that computes a deadline per row. Outside it every call reads the table afresh, so
    a day the administrator enters counts at once everywhere."""
    token = _reuse.set({})
    try:
        yield
    finally:
        _reuse.reset(token)


def add_working_days(start: datetime.date, days: int, province: str = "") -> Deadline:
    last = start.year + 1 + days // 200  # a year has more than 200 working days
    years = frozenset(range(start.year, last + 1))
    cache = _reuse.get()
    if cache is None:
        return Calendar(province, years=set(years)).add(start, days)
    calendar = cache.get((province, years))
    if calendar is None:
        calendar = cache[(province, years)] = Calendar(province, years=set(years))
    return calendar.add(start, days)


def set_day(*, user, day: datetime.date, kind: str, name: str, province: str = "", source: str = ""):
    """Enter or change one day of the schedule (recorded in the audit history)."""
    from duikou.accounts import scoping

    from .models import CalendarDay

    scoping.require(user, scoping.Action.OPERATE)  # the system administrator keeps the schedule
    errors = {}
    if kind not in CalendarDay.Kind.values:
        errors["kind"] = ["请选择休息日或调休上班日"]
    if not (name or "").strip():
        errors["name"] = ["请填写名称，如 国庆节"]
    if province and not (len(province) == 2 and province.isdigit()):
        errors["province"] = ["省份填区划代码前 2 位，如 41；全国留空"]
    if kind == "workday" and day.weekday() < 5:
        errors["day"] = [f"{day:%Y-%m-%d} 是周一至周五，本来就是工作日；调休上班日只能是周六或周日"]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            row = CalendarDay.objects.select_for_update().filter(day=day, province=province or "").first()
            row = row or CalendarDay(day=day, province=province or "")
            row.kind, row.name, row.created_by = kind, name.strip(), user
            row.source = source.strip() or f"录入：{user}"
            row.save()
    except IntegrityError as exc:  # two people entered the same new day at once: the first one stands
        raise ValidationError({"day": [f"{day:%Y-%m-%d} 刚由他人录入，请刷新页面后再修改"]}) from exc
    return row
