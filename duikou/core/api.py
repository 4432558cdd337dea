"""The HTTP API: django-ninja, OpenAPI at /api/docs, token or session authentication.

Every endpoint reads through the same query functions (and so the same scoping layer) as the pages.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

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


api = NinjaAPI(title="duikou API", version="1", auth=[TokenAuth(), django_auth], urls_namespace="api", docs_url="/docs")


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
    from duikou.evaluation.supervision_api import router as supervision_router
    from duikou.geo.api import router as geo_router
    from duikou.indicators.api import router as indicators_router
    from duikou.markets.consumption_api import router as produce_router
    from duikou.markets.labour_api import router as labour_router
    from duikou.markets.recommend_api import router as recommend_router
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
    api.add_router("/markets/pairing-review", recommend_router)


register_routers()
