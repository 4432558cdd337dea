"""Every page in English: each page route of the permission matrix, opened by an English-speaking user of a role that
may open it, shows no Chinese outside the stated allowlist — data the platform holds in Chinese only: names of places
and organisations that have no English name, titles and text users entered (plans, notes, findings, file names). Such
data is read from the database itself, so a label that comes from templates or code and was left untranslated fails,
whatever page it is on; so does a name shown in Chinese although its English is known (an indicator's, a task's, a
region's, an organisation's)."""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models

from duikou import testing
from duikou.accounts.models import User
from duikou.permission_matrix import ROLES, allowed, build_world, call, cases

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u9fff]+")

# Attributes whose text the reader sees or hears (a hover title, a screen reader's label, a field's hint).
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


# Shown in Chinese on every page by design: the platform's name and the language menu's name of Chinese, each
# language being named in itself.
FIXED = {"对口", "简体中文"}

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    """The text a reader meets on a page: its visible text and the attributes above, without scripts and styles,
    and without what the page marks as Chinese on purpose (``lang="zh-Hans"``: the headers of a Chinese workbook,
    the values a Chinese form takes), which a screen reader reads in Chinese."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._open: list[bool] = []  # for each open element: whether its text is left out

    @property
    def _skip(self) -> bool:
        return any(self._open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = tag in ("script", "style", "template") or (attrs.get("lang") or "").startswith("zh")
        if not (skip or self._skip):
            self.parts += [value for name, value in attrs.items() if name in SHOWN_ATTRIBUTES and value]
        if tag not in VOID:
            self._open.append(skip)

    def handle_startendtag(self, tag, attrs):
        if not self._skip:
            self.parts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag not in VOID and self._open:
            self._open.pop()

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


# Text the platform writes itself and shows in the reader's language when it is shown: not data held in Chinese.
WRITTEN_BY_THE_PLATFORM = {
    "auditlog.LogEntry.object_repr",  # histories name the object as it is named now
    "auth.Permission.name",  # Django's, never shown
    "core.Job.title",
    "core.Job.message",
    "core.Job.result",
    "notifications.Notification.title",
    "notifications.Notification.body",
    "indicators.Indicator.unit",  # the library's units are translated (万元 → 10k yuan)
}


def _english_of(model, field_name: str) -> str | None:
    """The field holding the English of ``field_name`` (``name`` → ``name_en``), when the model has one."""
    names = {f.name for f in model._meta.concrete_fields}
    return f"{field_name}_en" if f"{field_name}_en" in names else ("name_en" if field_name == "short_name" else None)


def allowed_runs() -> set[str]:
    """Every run of Chinese characters in the data the database holds in Chinese only: text fields that are not
    choices (a choice's label is the interface's, translated), leaving out a name whose English is there."""
    runs: set[str] = set(FIXED)
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.choices
            and f"{model._meta.label}.{f.name}" not in WRITTEN_BY_THE_PLATFORM
        ]
        if not fields:
            continue
        english = {f.name: _english_of(model, f.name) for f in fields}
        wanted = {f.name for f in fields} | {e for e in english.values() if e and e in {x.name for x in fields}}
        for row in model._default_manager.values(*wanted).iterator():
            for f in fields:
                if english[f.name] and row.get(english[f.name]):
                    continue  # known in English: must be shown in English
                runs.update(HAN.findall(str(row[f.name] or "")))
    from duikou.geo.models import Region  # places are also shown under their nearest real parent (信阳市潢川县)

    for region in Region.objects.select_related("parent"):
        if not getattr(region, "name_en", ""):
            runs.update(HAN.findall(region.place_name))
    return runs


def untranslated(text: str, allowed: set[str]) -> list[str]:
    """The runs of Chinese in ``text`` that are not data held in Chinese; a run cut short by an ellipsis is data
    when it begins such a run."""
    found = []
    for match in HAN.finditer(text):
        run = match.group()
        if run in allowed:
            continue
        if text[match.end() : match.end() + 1] == "…" and any(a.startswith(run) for a in allowed):
            continue
        found.append(run)
    return found


def test_the_allowlist_tells_data_from_labels():
    text = shown_text(
        '<p title="版本历史">信阳市 <script>var x = "中文";</script>已印发…</p><b>销号</b><br>'
        '<th><span lang="zh-Hans">签约投资<i>万元</i></span> (signed)</th>'
    )
    assert text.split("\n") == ["版本历史", "信阳市 ", "已印发…", "销号", " (signed)"]
    assert untranslated(text, {"信阳市", "已印发研学线路推广方案"}) == ["版本历史", "销号"]


def test_every_page_reads_in_english(client):
    client.raise_request_exception = False
    world = build_world()
    people = {role: world["users"][role] for role in ROLES}
    User.objects.filter(pk__in=[u.pk for u in people.values()]).update(language="en")
    nation = "国家发展改革委（振兴司）"
    supervisor = testing.user("en_national", nation, "approver", language="en")
    superuser = testing.user("en_superuser", nation, "system_admin", language="en", is_superuser=True)
    county = testing.user("en_county", testing.county_org("411526"), "editor", language="en")  # 潢川县: the registry
    for account in (supervisor, superuser):
        testing.authenticator(account)
    allow = allowed_runs()
    failures, walked = [], 0
    for name, case in sorted(cases(world).items()):
        if case.method != "get" or case.api or case.ok != 200:
            continue
        role = next((r for r in ROLES if allowed(r, case.action)), None)
        # a page no city role opens: the national overseer's, the county's registry, reference data's
        for user in [User.objects.get(pk=people[role].pk)] if role else [supervisor, county, superuser]:
            response = call(client, case, case.url_in, user, world)
            if response.status_code == 200:
                break
        kind = response.get("Content-Type", "")
        if response.status_code != 200 or "text/html" not in kind or getattr(response, "streaming", False):
            continue
        walked += 1
        bad = untranslated(shown_text(response.content.decode()), allow)
        if bad:
            failures.append(f"{name} ({case.url_in if isinstance(case.url_in, str) else '…'}): {sorted(set(bad))}")
    assert walked >= 125, f"only {walked} pages walked"
    assert not failures, f"{len(failures)} of {walked} pages show Chinese in English:\n" + "\n".join(failures)
