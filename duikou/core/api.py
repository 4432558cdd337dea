"""The HTTP API: django-ninja, token or session authentication, its description at /api/openapi.json and its page
at /api/docs (both for signed-in users only).

Every endpoint reads through the same query functions (and so the same scoping layer) as the pages. Every error
answer has one shape, ``{"detail": ...}`` (``ErrorOut``), and every operation's description lists the error
answers it can give (``error_codes``), added to the generated OpenAPI in one place rather than on each route.
"""

import logging
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import HttpRequest, JsonResponse
from ninja import Field, NinjaAPI, Schema
from ninja.openapi.views import openapi_view
from ninja.security import HttpBearer, django_auth

from duikou.accounts import scoping
from duikou.accounts.services import user_for_token
from duikou.core.errors import StaleObjectError
from duikou.core.middleware import VALUE_REFUSED

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class ErrorOut(Schema):
    """Every error answer of the API."""

    detail: str | list[str | dict[str, Any]] = Field(
        description="what is wrong, in Chinese: one message, or a list (the rules a value breaks, as text; or, for a "
        "request that does not fit the description, objects with `loc` and `msg`)"
    )


# what each error status means, in the description of every operation that can give it
ERRORS: dict[int, str] = {
    400: "请求中的数值超出范围、无法保存，或含有空字符（NUL） / a value out of range or a NUL character",
    401: "未登录：缺少或无效的令牌或会话 / no valid bearer token or session",
    403: "无权进行此操作（角色或地区不允许），或会话请求缺少 CSRF 令牌 / the role or area may not do this",
    404: "对象不存在，或不在您的地区范围内 / no such object, or not in the caller's area",
    409: "数据已被他人修改（version 过期）或与已有数据冲突 / stale version, or a conflict with stored data",
    422: "请求不符合接口描述或业务规则，detail 列出原因 / the request breaks the description or a rule",
}

# errors an operation gives that its signature does not show, by operation (view function) name: checked by
# duikou/core/tests/test_api_description.py and by the schemathesis run against the live description
EXTRA_ERRORS: dict[str, set[int]] = {
    "indicator_analytics": {404},  # an indicator code that names none
    "import_data_value_sets": {409},  # a file with conflicts: nothing is written, the conflicts are listed
    "national_desk": {403},  # the national overseer's desk, for the overseer only
    "recommend_assignment": {404},  # a region code that names no old-area city
}


def error_codes(operation) -> set[int]:
    """The error statuses ``operation`` can answer, read from what it takes: every operation may be refused without
    a sign-in (401) and for a NUL character or an out-of-range value (400); one with parameters or a body for
    input that does not fit (422); one with an id in its path, or that names an object by id in its input, when it
    names none the caller may see (404); every write for a role or area that may not (403); one that takes a
    ``version`` when another edit came first (409)."""
    fields: dict[str, set[str]] = {}
    for model in operation.models:
        source = getattr(model, "__ninja_param_source__", "")
        for name, field in model.model_fields.items():
            names = fields.setdefault(source, set())
            names.add(name)
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, Schema):
                names.update(annotation.model_fields)
    codes = {400, 401}
    if any(fields.values()):
        codes.add(422)
    given = set().union(*fields.values()) if fields else set()
    if fields.get("path") or any(n.endswith(("_id", "_ids")) for n in given):
        codes.add(404)
    if set(operation.methods) - {"GET"}:
        codes.add(403)
    if any(n == "version" or n.endswith("_version") for n in given):
        codes.add(409)
    return codes | EXTRA_ERRORS.get(operation.view_func.__name__, set())


class DuikouAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"]["ErrorOut"] = ErrorOut.model_json_schema()
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        operations = {
            self.get_openapi_operation_id(operation): operation
            for router in self._get_bound_routers()
            for view in router.path_operations.values()
            for operation in view.operations
        }
        for methods in schema["paths"].values():
            for details in methods.values():
                codes = error_codes(operations[details["operationId"]])
                for code in sorted(codes):
                    details["responses"].setdefault(code, {"description": ERRORS[code], **error})
        return schema


def _signed_in(view):
    """The API's description and its page are for signed-in users, by bearer token or session, as every route: an
    anonymous caller gets 401 (the page: the sign-in page), a user without a role that may read gets 403."""
    page = getattr(view, "func", None) is openapi_view

    @wraps(view)
    def checked(request, *args, **kwargs):
        user = next((u for auth in api.auth if (u := auth(request))), None)
        if user is None:
            if page:
                return redirect_to_login(request.get_full_path())
            return JsonResponse({"detail": "Unauthorized"}, status=401)
        if not scoping.may(user, scoping.Action.VIEW):
            return JsonResponse({"detail": "permission denied"}, status=403)
        return view(request, *args, **kwargs)

    return checked


api = DuikouAPI(
    title="duikou API",
    version="1",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=_signed_in,
)


@api.exception_handler(StaleObjectError)
def stale(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(PermissionDenied)
@api.exception_handler(PermissionError)
def forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "permission denied"}, status=403)


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def refused_value(request, exc):
    logger.warning("refused value in %s %s: %s", request.method, request.path, exc)
    return api.create_response(request, {"detail": VALUE_REFUSED}, status=400)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return api.create_response(request, {"detail": exc.messages}, status=422)


def register_routers() -> None:
    from duikou.evaluation.api import router as evaluation_router
    from duikou.evaluation.supervision.api import router as supervision_router
    from duikou.geo.api import router as geo_router
    from duikou.indicators.api import router as indicators_router
    from duikou.markets.labour.api import router as labour_router
    from duikou.markets.produce.api import router as produce_router
    from duikou.markets.recommend.api import router as recommend_router
    from duikou.monitoring.api import router as monitoring_router
    from duikou.pairings.api import router as pairings_router
    from duikou.plans.api import router as plans_router
    from duikou.policy.api import router as policy_router
    from duikou.projects.api import activities_router, projects_router

    api.add_router("/", geo_router)
    api.add_router("/pairings", pairings_router)
    api.add_router("/policy", policy_router)
    api.add_router("/plans", plans_router)
    api.add_router("/indicators", indicators_router)
    api.add_router("/monitoring", monitoring_router)
    api.add_router("/evaluation", evaluation_router)
    api.add_router("/supervision", supervision_router)
    api.add_router("/projects", projects_router)
    api.add_router("/activities", activities_router)
    api.add_router("/markets/produce", produce_router)
    api.add_router("/markets/labour", labour_router)
    api.add_router("/markets/recommend", recommend_router)


register_routers()
