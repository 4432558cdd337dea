"""The HTTP API's machinery: django-ninja, token or session authentication, its description at /api/openapi.json
and its page at /api/docs (both for signed-in users only). The root itself, with every app's router, is
``duikou/api.py``.

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


def error_codes(operation, extra_errors: dict[str, set[int]] | None = None) -> set[int]:
    """The error statuses ``operation`` can answer, read from what it takes: every operation may be refused without
    a sign-in (401) and for a NUL character or an out-of-range value (400); one with parameters or a body for
    input that does not fit (422); one with an id in its path, or that names an object by id in its input, when it
    names none the caller may see (404); every write for a role or area that may not (403); one that takes a
    ``version`` when another edit came first (409); and those ``extra_errors`` names for the operation (by view
    function name), which its signature does not show."""
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
    return codes | (extra_errors or {}).get(operation.view_func.__name__, set())


AUTH = [TokenAuth(), django_auth]  # a bearer token, or the session of a signed-in page


def _signed_in(view):
    """The API's description and its page are for signed-in users, by bearer token or session, as every route: an
    anonymous caller gets 401 (the page: the sign-in page), a user without a role that may read gets 403."""
    page = getattr(view, "func", None) is openapi_view

    @wraps(view)
    def checked(request, *args, **kwargs):
        user = next((u for auth in AUTH if (u := auth(request))), None)
        if user is None:
            if page:
                return redirect_to_login(request.get_full_path())
            return JsonResponse({"detail": "Unauthorized"}, status=401)
        if not scoping.may(user, scoping.Action.VIEW):
            return JsonResponse({"detail": "permission denied"}, status=403)
        return view(request, *args, **kwargs)

    return checked


class DuikouAPI(NinjaAPI):
    """An API root with the platform's sign-in (token or session), its one error shape for the errors every route
    can meet, and the error answers of each operation in its description. The root that mounts every app's
    router is ``duikou/api.py``; ``extra_errors``: the error statuses operations give that their signatures do not
    show, by operation (view function) name."""

    def __init__(self, *, extra_errors: dict[str, set[int]] | None = None, **kwargs):
        self.extra_errors = extra_errors or {}
        kwargs = {
            "title": "duikou API",
            "version": "1",
            "auth": AUTH,
            "urls_namespace": "api",
            "docs_url": "/docs",
            "docs_decorator": _signed_in,
            **kwargs,
        }
        super().__init__(**kwargs)
        self.add_exception_handler(StaleObjectError, self.stale)
        self.add_exception_handler(PermissionDenied, self.forbidden)
        self.add_exception_handler(PermissionError, self.forbidden)
        self.add_exception_handler(DataError, self.refused_value)
        self.add_exception_handler(OverflowError, self.refused_value)
        self.add_exception_handler(ValidationError, self.invalid)

    def stale(self, request, exc):
        return self.create_response(request, {"detail": str(exc)}, status=409)

    def forbidden(self, request, exc):
        return self.create_response(request, {"detail": str(exc) or "permission denied"}, status=403)

    def refused_value(self, request, exc):
        logger.warning("refused value in %s %s: %s", request.method, request.path, exc)
        return self.create_response(request, {"detail": VALUE_REFUSED}, status=400)

    def invalid(self, request, exc):
        return self.create_response(request, {"detail": exc.messages}, status=422)

    def error_codes(self, operation) -> set[int]:
        return error_codes(operation, self.extra_errors)

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
                codes = self.error_codes(operations[details["operationId"]])
                for code in sorted(codes):
                    details["responses"].setdefault(code, {"description": ERRORS[code], **error})
        return schema
