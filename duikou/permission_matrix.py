"""The permission matrix's machinery (test support): how a route's case is written, the world of objects the cases
call, how one case is called for a role, and where each route's case belongs.

Each app owns its cases in ``duikou/<app>/tests/permission_cases.py``:

- ``cases(w) -> dict[str, Case]``, one per URL pattern name and API route the app declares (``"plans:detail"``,
  ``"api:get_plan"``);
- optionally ``world(w) -> dict``, the app's objects on the 信阳 side (in scope of every user of the matrix) and on
  the 延安 side (out of scope), added to the world under new keys; ``w`` holds what the runner and the apps before it
  (in ``INSTALLED_APPS`` order) built.

The runner (``duikou/core/tests/test_permission_matrix.py``) finds those modules through the app registry, so a new
app only adds its file. A route belongs to the app whose code answers it (the module of its view, or of its API
operation's function); a route answered by no duikou app (Django's, django-ninja's, the project's own wiring)
belongs to core.
"""

import importlib
import importlib.util
import inspect
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from auditlog.context import disable_auditlog
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

import duikou
from duikou import testing
from duikou.accounts import scoping

ROLES = ["viewer", "editor", "approver", "org_admin", "system_admin", "security_admin", "audit_admin"]

# Routes for the supervising level only (a province or the national overseer): every 信阳 city role is refused.
SUPERVISOR = "supervisor"
# Routes for whoever may change reference data (the superuser, by the scoping layer): every role is refused.
REFERENCE = "reference"
# Routes for the county and township governments only (the household registry): every 信阳 city role is refused.
LOCAL = "local"
# The account pages' own action: user administrators and security administrators may open them.
USERS = "users"
# Routes anyone may open without signing in (views marked by ``duikou.core.public.public_page``: the household's
# self-declaration and its status page, the public site): every role gets ``ok`` and so does an anonymous visitor.
# They read nothing through the scoping layer — what they show is public by design — so the layer's checks do not
# apply to them; the matrix checks instead that they carry the headers their view's mark decides (``noindex`` and
# ``no-store``, or for ``public_page(indexable=True)`` a brief private cache time and no robots header) and show
# nothing of ``absent``.
ANYONE = "anyone"

# Routes anyone may open without the scoping layer, and why. Kept here, in one list, rather than in the owning apps:
# a route that skips the layer is a decision for the whole site, and one short list is where a review looks for them.
PUBLIC = {
    "login": "the sign-in page",
    "logout": "ends the caller's own session",
    "set_language": "sets the caller's own language cookie",
    "healthz": "liveness probe (duikou/health.py): answers that the process runs, reads nothing",
    "readyz": "readiness probe (duikou/health.py): names its checks and whether each passed, no data or secret",
    "api:api-root": "API index: a 404 that names no data (the description and its page need a sign-in)",
    "public_api:api-root": "the public API's index (duikou/publication/public_api.py): a 404 that names no data",
    # household monitoring's public pages (duikou/monitoring/notices.py, public_page: noindex, no-store, rate limited)
    "notices:village": "a village's 公示/公告 while they run: what the village board shows (the head's masked name, "
    "village, category, step), never an ID number, phone or note; takes an objection to a 公示",
    "notices:appeal": "a household's appeal with its declaration's acknowledgement number; shows nothing of the case",
    "notices:answer": "an objection's status and answer by its acknowledgement number; nothing personal",
    "plans:todo": "301 to the one to-do list /todo/ (duikou/plans/views.py moved_to_todo): reads nothing",
    "plans:overdue": "301 to /todo/?overdue=1 (duikou/plans/views.py moved_to_todo): reads nothing",
    "moved_api_markets_pairing_review": "308 from the API's old /api/markets/pairing-review/ paths to /api/markets/"
    "recommend/ (duikou/markets/redirects.py): reads and writes nothing, the new address checks the caller",
}

# Routes that act only on the signed-in user's own account, and why they need no scoping (tested in accounts).
OWN_ACCOUNT = {
    "accounts:password_change": "the signed-in user changes their own password; reads and writes nothing else",
}

CASES_MODULE = "tests.permission_cases"

# A data value (or part of a URL) standing for the current version of a world object, read just before the call:
# ``PLAN_VERSION`` is the version of ``inside_plan`` (``outside_plan`` for the out-of-scope call),
# ``API_NOTICE_VERSION`` of ``inside_api_notice``, and a bare ``VERSION`` of the pairing (``inside`` / ``outside``).
VERSION_MARKER = re.compile(r"\b(?:[A-Z]+_)*VERSION\b")


@dataclass
class Case:
    """How to call a route for the in-scope and the out-of-scope object, and what each role should get."""

    url_in: str | Callable  # or a function of the calling user, for an object made for each caller (their own job)
    url_out: str | None = None
    action: scoping.Action | str | None = scoping.Action.VIEW  # what the role needs for the in-scope call
    method: str = "get"
    data: dict = field(default_factory=dict)
    present: list[str] = field(default_factory=list)  # in the body of an allowed in-scope answer
    absent: list[str] = field(default_factory=list)  # never in the body of an allowed answer
    ok: int = 200
    denied: int = 403
    out_status: int = 404
    out_ok: scoping.Action | None = None  # a role with this action reaches the out-of-scope object too (jobs: OPERATE)
    api: bool = False
    data_out: dict | None = None  # the body for the out-of-scope call, when it differs
    scoped: tuple[str, ...] = ()  # what the view must pass through the scoping layer (model names, may:<action>)

    @property
    def per_caller(self) -> bool:
        """The in-scope object is made for each caller, so there is no fixed in-scope URL to call."""
        return callable(self.url_in)


# Builders for the shapes most routes share; a case file declares its data through them.


def listing(url: str, shown: str, hidden: str, scoped: tuple[str, ...], **kw) -> Case:
    """A list (page or API) with no single object: the in-scope item's text is shown, the out-of-scope one's is not."""
    return Case(url, present=[shown], absent=[hidden], scoped=scoped, **kw)


def form_post(url_in: str, url_out: str | None = None, *, scoped: tuple[str, ...], **kw) -> Case:
    """A form's POST: it needs the change right unless told otherwise, and an allowed call is redirected."""
    kw.setdefault("action", scoping.Action.CHANGE)
    kw.setdefault("ok", 302)
    return Case(url_in, url_out, method="post", scoped=scoped, **kw)


def api(url_in: str, url_out: str | None = None, **kw) -> Case:
    """An API call (bearer token, JSON body)."""
    return Case(url_in, url_out, api=True, **kw)


def api_write(url_in: str, url_out: str | None, method: str, data: dict, **kw) -> Case:
    """An API call that changes data: it needs the change right, and an allowed POST (a creation) answers 201."""
    kw.setdefault("action", scoping.Action.CHANGE)
    if method.startswith("post"):
        kw.setdefault("ok", 201)
    return Case(url_in, url_out, api=True, method=method, data=data, **kw)


def by_pk(template: str, inside, outside) -> tuple[str, str]:
    """The in-scope and the out-of-scope URL of one kind of object: ``template`` with ``{}`` for its primary key."""
    return template.format(inside.pk), template.format(outside.pk)


def allowed(role: str, action) -> bool:
    if action is None or action == ANYONE:
        return True
    if action in (SUPERVISOR, LOCAL, REFERENCE):
        return False
    if action == USERS:
        return (
            scoping.Action.MANAGE_USERS in scoping.ROLE_ACTIONS[role]
            or scoping.Action.SECURITY in scoping.ROLE_ACTIONS[role]
        )
    return action in scoping.ROLE_ACTIONS[role]


# ---- routes and where their cases belong -----------------------------------------------------------------------


def walk(patterns, ns=None):
    """(name, URL pattern) of every named pattern under ``patterns``, the name with its namespaces."""
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = ":".join(x for x in (ns, p.namespace) if x) or None
            yield from walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            yield (f"{ns}:{p.name}" if ns else p.name), p


def all_route_names() -> set[str]:
    return {name for name, _pattern in walk(get_resolver().url_patterns)}


def _answering_module(pattern: URLPattern) -> str:
    """The module of the code that answers ``pattern``: its view, or for an API route its operation's function."""
    callback = pattern.callback
    path_view = inspect.getclosurevars(callback).nonlocals.get("self") if inspect.isfunction(callback) else None
    operations = getattr(path_view, "operations", ())  # django-ninja: one view per path, named by its operations
    named = [op for op in operations if pattern.name in (getattr(op, "url_name", None), op.view_func.__name__)]
    if named or operations:
        return (named or operations)[0].view_func.__module__
    view = getattr(callback, "view_class", None) or inspect.unwrap(callback)
    return getattr(view, "__module__", None) or getattr(getattr(view, "func", None), "__module__", "")


def _duikou_apps() -> list:
    return [config for config in apps.get_app_configs() if config.name.startswith("duikou.")]


def route_owners() -> dict[str, str]:
    """Route name → label of the app whose ``permission_cases`` must hold its case."""
    owners = {}
    for name, pattern in walk(get_resolver().url_patterns):
        config = apps.get_containing_app_config(_answering_module(pattern))
        owners[name] = config.label if config and config.name.startswith("duikou.") else "core"
    return owners


def _relative(path: Path) -> str:
    return str(path.relative_to(Path(duikou.__file__).parent.parent))


def cases_file(label: str) -> str:
    """Where the app's cases live, relative to the project (``duikou/plans/tests/permission_cases.py``)."""
    return _relative((Path(apps.get_app_config(label).path) / Path(*CASES_MODULE.split("."))).with_suffix(".py"))


def case_modules() -> dict[str, ModuleType]:
    """App label → its ``permission_cases`` module, for every duikou app that has one, in ``INSTALLED_APPS`` order."""
    found = {}
    for config in _duikou_apps():
        name = f"{config.name}.{CASES_MODULE}"
        if importlib.util.find_spec(f"{config.name}.tests") and importlib.util.find_spec(name):
            found[config.label] = importlib.import_module(name)
    return found


# ---- the world and the cases -----------------------------------------------------------------------------------


def build_world() -> dict:
    """信阳–苏州 is in scope for every user (all belong to 信阳); 延安–无锡 is not. The runner makes the pairings and
    the people (a 信阳 user per role, a 延安 editor); each app then adds its objects on both sides."""
    world = {
        "inside": testing.pairing("信阳市", "苏州市"),
        "outside": testing.pairing("延安市", "无锡市"),
        "users": {role: testing.user(f"xy_{role}", "信阳市人民政府", role) for role in ROLES},
        "stranger": testing.user("yanan_editor", "延安市人民政府", "editor"),
    }
    for label, module in case_modules().items():
        if not hasattr(module, "world"):
            continue
        part = module.world(world)
        clash = sorted(set(part) & set(world))
        assert not clash, f"{cases_file(label)} adds world keys another part already has: {clash}"
        world |= part
    return world


def cases_by_app(world) -> dict[str, dict[str, Case]]:
    """App label → the cases its ``permission_cases`` declares."""
    return {label: module.cases(world) for label, module in case_modules().items()}


def declared_by(by_app: dict[str, dict[str, Case]]) -> dict[str, list[str]]:
    """Route name → the apps that declare a case for it."""
    declared: dict[str, list[str]] = {}
    for label, app_cases in by_app.items():
        for name in app_cases:
            declared.setdefault(name, []).append(label)
    return declared


def coverage_problems(by_app: dict[str, dict[str, Case]], owners: dict[str, str]) -> list[str]:
    """What is wrong with where the cases are, each naming the file to change: a route without a case, a case for a
    route that no longer exists, a route with a case in two apps, a case in another app's file than its route's."""
    exempt = {**PUBLIC, **OWN_ACCOUNT}
    declared = declared_by(by_app)
    here = _relative(Path(__file__))
    problems = [
        f"{name} has no case: add one to {cases_file(owners[name])}"
        for name in sorted(set(owners) - set(declared) - set(exempt))
    ]
    problems += [
        f"{name} is not a route: remove its case from {cases_file(label)}"
        for name, labels in sorted(declared.items())
        if name not in owners
        for label in labels
    ]
    problems += [
        f"{name} is not a route: remove it from the exemptions in {here}"
        for name in sorted(exempt)
        if name not in owners
    ]
    for name, labels in sorted(declared.items()):
        if name not in owners:
            continue
        right = cases_file(owners[name])
        if len(labels) > 1:
            problems.append(
                f"{name} has a case in {' and in '.join(cases_file(x) for x in labels)}: keep one, in {right}"
            )
        elif labels[0] != owners[name]:
            problems.append(f"{name} has its case in {cases_file(labels[0])}: move it to {right}")
    return problems


def cases(world) -> dict[str, Case]:
    """Every app's cases, one per route (a route declared by two apps is an error, not a silent override)."""
    by_app = cases_by_app(world)
    twice = {name: labels for name, labels in declared_by(by_app).items() if len(labels) > 1}
    assert not twice, "routes with a case in more than one app: " + "; ".join(
        f"{name} in {', '.join(cases_file(label) for label in labels)}" for name, labels in sorted(twice.items())
    )
    return {name: case for app_cases in by_app.values() for name, case in app_cases.items()}


# ---- calling a case --------------------------------------------------------------------------------------------


def current_version(world, marker: str, outside: bool) -> int:
    key = marker.removesuffix("VERSION").rstrip("_").lower()
    side = "outside" if outside else "inside"
    target = world[f"{side}_{key}" if key else side]
    target.refresh_from_db()
    return target.version


def call(client, case: Case, url: str | Callable, user, world, outside: bool = False):
    """Make the case's request to ``url`` as ``user`` (a bearer token for the API, a session for pages), with the
    version markers in its data and URL replaced by the objects' current versions. The bearer token is the runner's
    own plumbing and stays out of the audit trail, so what the audit pages show does not depend on how many API
    cases ran before them."""
    from duikou.accounts.services import issue_token

    if callable(url):
        url = url(user)
    headers = {}
    if case.api:
        with disable_auditlog():
            _token, key = issue_token(user=user, name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    else:
        client.force_login(user)
    data = dict(case.data_out if outside and case.data_out is not None else case.data)
    data = {
        k: current_version(world, v, outside) if isinstance(v, str) and VERSION_MARKER.fullmatch(v) else v
        for k, v in data.items()
    }
    url = VERSION_MARKER.sub(lambda m: str(current_version(world, m.group(), outside)), url)
    if case.method == "get":
        return client.get(url, **headers)
    if case.method == "put":
        return client.put(url, data=json.dumps(data), content_type="application/json", **headers)
    if case.method == "patch":
        return client.patch(url, data=json.dumps(data), content_type="application/json", **headers)
    if case.method == "post_json":
        return client.post(url, data=json.dumps(data), content_type="application/json", **headers)
    if case.method == "delete":
        return client.delete(url, **headers)
    return client.post(url, data=data, **headers)


def body_text(response) -> str:
    """The text of an answer, whatever its kind (page, JSON, spreadsheet, Word document, stream)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            " ".join(str(c) for c in row if c is not None) for s in book for row in s.iter_rows(values_only=True)
        )
    if "json" in kind:
        return json.dumps(response.json(), ensure_ascii=False)
    if "wordprocessingml" in kind:
        import docx

        return "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    if kind == "application/zip":  # the names of its files and the text of each Word document in it
        import zipfile

        import docx

        archive = zipfile.ZipFile(io.BytesIO(response.content))
        return "\n".join(
            name + "\n" + "\n".join(p.text for p in docx.Document(io.BytesIO(archive.read(name))).paragraphs)
            if name.endswith(".docx")
            else name
            for name in archive.namelist()
        )
    return response.content.decode()
