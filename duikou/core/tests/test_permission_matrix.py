"""The permission matrix: every URL pattern and API route, every role, an in-scope and an out-of-scope object.

Routes are enumerated from the URL resolver; each app declares the cases of its routes in
``duikou/<app>/tests/permission_cases.py`` (the machinery is ``duikou/permission_matrix.py``), so a new view or
endpoint without a case there fails ``test_every_route_is_in_the_matrix``, which names the file it belongs in. For
each route the matrix checks the HTTP answer per role and that the request went through the scoping layer; where the
route shows scoped data it checks that the in-scope object is there and the out-of-scope one is not (no IDOR, no
leak through lists or exports).
"""

from dataclasses import replace
from urllib.parse import urlencode, urlsplit

import pytest
from django.urls import resolve

from duikou import testing
from duikou.accounts import scoping
from duikou.core.public import BROWSER_SECONDS
from duikou.permission_matrix import (
    ANYONE,
    ROLES,
    Case,
    allowed,
    body_text,
    build_world,
    call,
    cases,
    cases_by_app,
    coverage_problems,
    route_owners,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """The objects every case calls: see ``permission_matrix.build_world`` and each app's ``world``."""
    return build_world()


@pytest.fixture
def scope_calls(monkeypatch):
    calls = []
    original = scoping.scope

    def recording(user, queryset, action=scoping.Action.VIEW):
        model = queryset if isinstance(queryset, type) else queryset.model
        calls.append(model.__name__)
        return original(user, queryset, action)

    monkeypatch.setattr(scoping, "scope", recording)
    original_may = scoping.may

    def recording_may(user, action):
        calls.append(f"may:{action}")
        return original_may(user, action)

    monkeypatch.setattr(scoping, "may", recording_may)
    return calls


def test_every_route_is_in_the_matrix(world):
    problems = coverage_problems(cases_by_app(world), route_owners())
    assert not problems, "the permission matrix and the routes disagree:\n" + "\n".join(problems)


def test_a_route_without_its_case_is_named_with_the_file_it_belongs_in():
    """The check above, on cases laid out wrongly: a route left out, one declared by two apps, one in another app's
    file, one for a route that does not exist."""
    owners = route_owners()
    assert (owners["plans:detail"], owners["api:get_plan"], owners["home"], owners["set_language"]) == (
        "plans",
        "plans",
        "core",
        "core",
    )
    by_app: dict[str, dict[str, Case]] = {}
    for name, label in owners.items():
        by_app.setdefault(label, {})[name] = Case("/")
    del by_app["plans"]["plans:detail"]
    by_app["projects"]["api:get_plan"] = Case("/")
    by_app["markets"]["api:list_projects"] = by_app["projects"].pop("api:list_projects")
    by_app["geo"]["geo:no_such_page"] = Case("/")
    problems = coverage_problems(by_app, owners)
    assert problems == [
        "plans:detail has no case: add one to duikou/plans/tests/permission_cases.py",
        "geo:no_such_page is not a route: remove its case from duikou/geo/tests/permission_cases.py",
        "api:get_plan has a case in duikou/plans/tests/permission_cases.py and in "
        "duikou/projects/tests/permission_cases.py: keep one, in duikou/plans/tests/permission_cases.py",
        "api:list_projects has its case in duikou/markets/tests/permission_cases.py: move it to "
        "duikou/projects/tests/permission_cases.py",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_matrix(client, world, role, scope_calls):
    user = world["users"][role]
    failures = []
    for name, case in cases(world).items():
        scope_calls.clear()
        response = call(client, case, case.url_in, user, world)
        expected = case.ok if allowed(role, case.action) else case.denied
        if response.status_code != expected:
            failures.append(
                f"{name} in-scope as {role}: {response.status_code}, expected {expected}"
                f" ({response.content[:200].decode(errors='replace') if not response.streaming else ''})"
            )
            continue
        # an allowed call must read each of its objects through the layer; a refusal must come from it
        unscoped = [m for m in case.scoped if m not in scope_calls] if expected == case.ok else []
        if case.action != ANYONE and (not case.scoped or unscoped or not scope_calls):
            failures.append(f"{name} as {role}: {unscoped or 'nothing'} not read through the scoping layer")
        if expected == case.ok and case.ok == 200:
            text = body_text(response)
            failures += [f"{name} as {role}: missing {p!r}" for p in case.present if p not in text]
            failures += [f"{name} as {role}: leaks {a!r}" for a in case.absent if a in text]
        if case.url_out:
            response = call(client, case, case.url_out, user, world, outside=True)
            expected_out = case.ok if case.out_ok and allowed(role, case.out_ok) else case.out_status
            if response.status_code != expected_out:
                failures.append(f"{name} out-of-scope as {role}: {response.status_code}, expected {expected_out}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login_or_refused(client, world):
    failures = []
    for name, case in cases(world).items():
        url = case.url_out if case.per_caller else case.url_in
        response = getattr(client, {"post_json": "post"}.get(case.method, case.method))(url)
        if case.action == ANYONE:  # a public page: open to the visitor, with the headers its decorator decided
            if response.status_code != case.ok:
                failures.append(f"{name}: anonymous got {response.status_code}")
            failures += [f"{name}: {problem}" for problem in public_header_problems(url, response)]
            continue
        expected = 401 if case.api else 302
        if response.status_code != expected or (not case.api and "/accounts/login/" not in response["Location"]):
            failures.append(f"{name}: anonymous got {response.status_code}")
    assert not failures, "\n".join(failures)


def public_header_problems(url: str, response) -> list[str]:
    """What is wrong with a public route's headers, as its view's ``public_page`` mark decides: an indexable page
    (``public_page(indexable=True)``) has no robots header and a brief private cache time; every other public answer
    (the household's pages, the public API, the search results, the downloads) ``noindex`` and ``no-store``."""
    view = resolve(urlsplit(url).path).func
    robots, cache_control = response.get("X-Robots-Tag", ""), response.get("Cache-Control", "")
    if getattr(view, "indexable", False):
        problems = ["an indexable page sends X-Robots-Tag"] if robots else []
        if "no-store" in cache_control or f"max-age={BROWSER_SECONDS}" not in cache_control:
            problems.append(f"an indexable page without max-age={BROWSER_SECONDS}: {cache_control!r}")
        if "private" not in {d.strip().split("=")[0] for d in cache_control.split(",")}:
            problems.append(f"an indexable page open to shared caches: {cache_control!r}")
        return problems
    problems = [] if "noindex" in robots else [f"without noindex: X-Robots-Tag {robots!r}"]
    return problems + ([] if "no-store" in cache_control else [f"without no-store: {cache_control!r}"])


def test_every_route_depends_on_the_scoping_layer(client, world, monkeypatch):
    """With a scoping layer that allows nothing, no route may still show its data.

    A view that loaded its object without the layer would still answer with the object's data here, so
    removing the scoping call from any one view makes this test fail.
    """
    monkeypatch.setattr(
        scoping,
        "scope",
        lambda user, queryset, action=scoping.Action.VIEW: (
            queryset._default_manager.none() if isinstance(queryset, type) else queryset.none()
        ),
    )
    monkeypatch.setattr(scoping, "may", lambda user, action: False)
    failures = []
    for name, case in cases(world).items():
        if case.action == ANYONE:  # public by design: reads nothing through the layer
            continue
        role = next((r for r in ROLES if allowed(r, case.action)), "approver")
        response = call(client, case, case.url_in, world["users"][role], world)
        if response.status_code in (403, 404):
            continue
        if response.status_code != case.ok:
            failures.append(f"{name}: answered {response.status_code} with the layer denying everything")
            continue
        if not case.present and case.ok == 200:
            failures.append(f"{name}: has no data marker to check (give the case a `present` marker)")
        text = body_text(response) if case.ok == 200 else ""
        failures += [f"{name}: shows {p!r} although the layer allows nothing" for p in case.present if p in text]
    assert not failures, "\n".join(failures)


def test_reads_answer_odd_query_values_without_a_server_error(client, world):
    """Bad input never crashes: every route of the matrix that reads, called on its in-scope object by a role
    allowed to, with every filter name set to each odd value, answers 2xx, 3xx or 4xx (the pages without a path
    argument are covered in test_bad_input)."""
    client.raise_request_exception = False
    failures = []
    for name, case in cases(world).items():
        if case.method != "get" or case.per_caller:
            continue
        role = next((r for r in ROLES if allowed(r, case.action)), None)
        if role is None:
            continue
        for value in ("-1", "99999999999999999999", "abc", "x" * 5000):  # the kinds that reach a view's logic
            query = urlencode(dict.fromkeys(testing.FILTER_NAMES, value))
            url = f"{case.url_in}{'&' if '?' in case.url_in else '?'}{query}"
            status = testing.status_alone(call, client, case, url, world["users"][role], world)
            if status >= 500:
                failures.append(f"{name} as {role} with every filter {value[:20]!r}: {status}")
    assert not failures, "\n".join(failures)


def test_writes_answer_odd_values_without_a_server_error(client, world):
    """Bad input never crashes: every route of the matrix that writes, called on its in-scope object by a role
    allowed to, with one field of its data at a time set to an odd value (not a number, huge, very long, empty),
    answers with a refusal or a form error, never a server error."""
    client.raise_request_exception = False
    failures = []
    for name, case in cases(world).items():
        if case.method == "get" or case.per_caller or not case.data:
            continue
        role = next((r for r in ROLES if allowed(r, case.action)), None)
        if role is None:
            continue
        for field_name in case.data:
            for value in ("abc", "99999999999999999999", "x" * 5000, ""):
                probe = replace(case, data={**case.data, field_name: value})
                status = testing.status_alone(call, client, probe, case.url_in, world["users"][role], world)
                if status >= 500:
                    failures.append(f"{name} as {role} with {field_name}={value[:20]!r}: {status}")
    assert not failures, "\n".join(failures)
