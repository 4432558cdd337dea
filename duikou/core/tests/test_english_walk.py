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
# Elements inside a line of text: a word in them continues the words around them (a search hit's <mark>).
INLINE = {"a", "abbr", "b", "code", "em", "i", "mark", "small", "span", "strong", "sub", "sup", "time", "u"}


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
        if tag not in INLINE:
            self.parts.append("\n")
        if not (skip or self._skip):
            self.parts += [f"\n{v}\n" for n, v in attrs.items() if n in SHOWN_ATTRIBUTES and v]
        if tag not in VOID:
            self._open.append(skip)

    def handle_startendtag(self, tag, attrs):
        if not self._skip:
            self.parts += [f"\n{v}\n" for n, v in attrs if n in SHOWN_ATTRIBUTES and v]

    def handle_endtag(self, tag):
        if tag not in VOID and self._open:
            self._open.pop()
        if tag not in INLINE:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\n+", "\n", "".join(parser.parts)).strip("\n")


# Text the platform writes itself and translates when it shows it: not data held in Chinese. (Texts stored in the
# language of the user they were written for — a notification in its recipient's, a job's title in its starter's,
# the audit history's names in the site's — are data here; notifications/tests and core/tests/test_jobs.py check that
# they are written in that user's language.)
WRITTEN_BY_THE_PLATFORM = {
    "auth.Permission.name",  # Django's, never shown
    "core.Job.message",  # the fixed messages (已完成 …) are shown translated
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
    return runs


def untranslated(text: str, allowed: set[str]) -> list[str]:
    """The runs of Chinese in ``text`` that are not data held in Chinese; a run cut short by an ellipsis (an
    excerpt) is data when it is part of such a run."""
    found = []
    for match in HAN.finditer(text):
        run = match.group()
        if run in allowed:
            continue
        near = text[max(match.start() - 2, 0) : match.start()] + text[match.end() : match.end() + 2]
        if "…" in near and any(run in a for a in allowed):
            continue
        found.append(run)
    return found


def test_the_allowlist_tells_data_from_labels():
    text = shown_text(
        '<p title="版本历史">信阳市 <script>var x = "中文";</script>已印发…</p><b>销号</b><br>'
        '<th><span lang="zh-Hans">签约投资<i>万元</i></span> (signed)</th><p><mark>延安</mark>精神</p>'
    )
    assert text.split("\n") == ["版本历史", "信阳市 ", "已印发…", "销号", " (signed)", "延安精神"]
    assert untranslated(text, {"信阳市", "已印发研学线路推广方案"}) == ["版本历史", "销号", "延安精神"]
    assert untranslated("…优先支持，延安干部学院…", {"优先支持延安干部学院等"}) == []


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


def test_the_compiled_catalogue_holds_every_translation():
    """The .mo file the site reads is compiled from the .po file beside it: every one-line entry of the .po reads
    back in English (a .po edited without compiling leaves the English pages in Chinese)."""
    from pathlib import Path

    from django.utils import translation

    import duikou

    po = (Path(duikou.__file__).parent / "locale/en/LC_MESSAGES/django.po").read_text()
    pairs = [
        (msgid.replace('\\"', '"'), msgstr.replace('\\"', '"'))
        for msgid, msgstr in re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"\n', po, flags=re.M)
    ]
    assert len(pairs) > 2000
    with translation.override("en"):
        stale = [(msgid, msgstr) for msgid, msgstr in pairs if translation.gettext(msgid) != msgstr]
    # entries with a context or a plural are not one-line entries; those rare ones are left to the page walk
    context = set(re.findall(r'^msgctxt ".+"\nmsgid "(.+)"', po, flags=re.M))
    stale = [pair for pair in stale if pair[0] not in context and "\\" not in pair[0]]
    assert not stale, f"{len(stale)} translations not compiled (compilemessages -l en): {stale[:5]}"
