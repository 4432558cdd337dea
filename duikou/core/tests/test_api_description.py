"""The API's published description: each schema under its own name, every error answer documented in one shape,
and the description itself only for signed-in users."""

import re
import typing
from collections import defaultdict

import pytest
from pydantic import BaseModel

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.api import api
from duikou.core.api import ErrorOut

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def operations():
    for router in api._get_bound_routers():
        for view in router.path_operations.values():
            yield from view.operations


def models_in(annotation, found: set) -> None:
    """Every pydantic model an annotation reaches (list[X], X | None, nested fields ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                models_in(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        models_in(argument, found)


def test_every_component_name_belongs_to_one_schema_class():
    """Two schema classes of the same name share one component: the second overwrites the first, and routes are
    documented with another route's body (four StepIn made /api/plans/{id}/steps/{step} show a notice's body)."""
    found: set = set()
    for operation in operations():
        for model in [*operation.models, *operation.response_models.values()]:
            models_in(model, found)
    components = api.get_openapi_schema()["components"]["schemas"]
    classes = defaultdict(set)
    for model in found:
        classes[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    shared = {
        name: sorted(classes[re.sub(r"-(Input|Output)$", "", name)])
        for name in components
        if len(classes[re.sub(r"-(Input|Output)$", "", name)]) > 1
    }
    assert not shared, f"component names used by more than one schema class: {shared}"


def test_the_plan_step_route_documents_its_own_body():
    schema = api.get_openapi_schema()
    body = schema["paths"]["/api/plans/{plan_id}/steps/{step}"]["post"]["requestBody"]["content"]["application/json"]
    component = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"comment", "doc_number", "date", "receipt", "year"} <= set(component["properties"])


def test_every_operation_documents_its_error_answers_in_one_shape():
    schema = api.get_openapi_schema()
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["detail"]
    by_id = {api.get_openapi_operation_id(o): o for o in operations()}
    failures = []
    for path, methods in schema["paths"].items():
        for method, details in methods.items():
            responses = details["responses"]
            codes = {int(c) for c in responses if int(c) >= 400}
            expected = {400, 401} | ({403} if method != "get" else set()) | ({404} if "{" in path else set())
            if not expected <= codes or codes != api.error_codes(by_id[details["operationId"]]):
                failures.append(f"{method.upper()} {path}: documents {sorted(codes)}")
            failures += [
                f"{method.upper()} {path} {code}: not an ErrorOut"
                for code in codes
                if responses[code]["content"]["application/json"]["schema"] != ERROR_REF
            ]
            if details.get("requestBody") or details.get("parameters"):
                failures += [] if 422 in codes else [f"{method.upper()} {path}: takes input but no 422"]
            if any("version" in p.get("name", "") for p in details.get("parameters", [])) and 409 not in codes:
                failures.append(f"{method.upper()} {path}: takes a version but documents no 409")
    assert not failures, "\n".join(failures)


def test_error_answers_have_the_documented_shape(client):
    editor = testing.user("xy_editor", "信阳市人民政府", "editor")
    _token, key = issue_token(user=editor, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    answers = [
        (401, client.get("/api/plans")),
        (404, client.get("/api/plans/987654321", **auth)),
        (404, client.get("/api/plans/abc", **auth)),  # no route matches: Django's 404, in the API's shape
        (422, client.post("/api/plans", data="{}", content_type="application/json", **auth)),
        (400, client.get("/api/plans?q=a%00b", **auth)),
    ]
    for status, response in answers:
        assert response.status_code == status and response["Content-Type"].startswith("application/json"), status
        ErrorOut.model_validate(response.json())


def test_the_api_description_and_its_page_need_a_sign_in(client):
    """Found by a probe: /api/openapi.json and /api/docs answered without a sign-in."""
    assert client.get("/api/openapi.json").status_code == 401
    page = client.get("/api/docs")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    viewer = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    _token, key = issue_token(user=viewer, name="t")
    by_token = client.get("/api/openapi.json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert by_token.status_code == 200 and "PlanStepIn" in by_token.json()["components"]["schemas"]
    assert client.get("/api/docs", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 302
    client.force_login(viewer)
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200
