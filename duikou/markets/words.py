"""Words the matching pages put together at display time, in the reader's language: lists of labels and months."""

from collections.abc import Iterable

from django.utils.translation import gettext, pgettext, pgettext_lazy

# The months of a supply season or a demand period: 4月 in Chinese, Apr in English.
MONTHS = (
    pgettext_lazy("month", "1月"),
    pgettext_lazy("month", "2月"),
    pgettext_lazy("month", "3月"),
    pgettext_lazy("month", "4月"),
    pgettext_lazy("month", "5月"),
    pgettext_lazy("month", "6月"),
    pgettext_lazy("month", "7月"),
    pgettext_lazy("month", "8月"),
    pgettext_lazy("month", "9月"),
    pgettext_lazy("month", "10月"),
    pgettext_lazy("month", "11月"),
    pgettext_lazy("month", "12月"),
)


def listed(items: Iterable) -> str:
    """Items as a reader lists them: 电工、焊工 in Chinese, Electrician, Welder in English; a dash when none."""
    return pgettext("separator between listed items", "、").join(str(item) for item in items) or "—"


def month_name(month: int) -> str:
    return str(MONTHS[int(month) - 1])


def industry_names(industries: Iterable[str]) -> str:
    """Industries of the recommendation's vocabulary (stored and named in Chinese, as the files hold them) listed in
    the reader's language."""
    return listed(gettext(industry) for industry in industries)
