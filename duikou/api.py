"""The one API root, /api/: every app's router under its path. The machinery (sign-in, the one error shape, the
error answers in the description) is ``duikou/core/api.py``; this module only knows which apps there are."""

from duikou.core.api import DuikouAPI
from duikou.evaluation.api import router as evaluation_router
from duikou.evaluation.assessment.api import router as evaluation_stages_router
from duikou.evaluation.supervision.api import router as supervision_router
from duikou.geo.api import router as geo_router
from duikou.indicators.api import router as indicators_router
from duikou.markets.labour.api import router as labour_router
from duikou.markets.produce.api import router as produce_router
from duikou.markets.recommend.api import router as recommend_router
from duikou.me_api import router as me_router
from duikou.monitoring.api import router as monitoring_router
from duikou.notifications.api import router as notifications_router
from duikou.pairings.api import router as pairings_router
from duikou.plans.api import router as plans_router
from duikou.policy.api import router as policy_router
from duikou.projects.api import activities_router, projects_router
from duikou.secondments.api import router as secondments_router

# errors an operation gives that its signature does not show, by operation (view function) name: checked by
# duikou/core/tests/test_api_description.py and by the schemathesis run against the live description
EXTRA_ERRORS: dict[str, set[int]] = {
    "indicator_analytics": {404},  # an indicator code that names none
    "indicator_timeliness": {404},  # a data set code that names none
    "import_data_value_sets": {409},  # a file with conflicts: nothing is written, the conflicts are listed
    "national_desk": {403},  # the national overseer's desk, for the overseer only
    "recommend_assignment": {404},  # a region code that names no old-area city
    "create_declaration": {404},  # a village code that names no village in the caller's area
    "project_fund_figures": {404},  # a project id that names none in the caller's area
    "secondment_counts": {404},  # a pairing id that names none in the caller's area
}

# each app's router under its path, in the order of the description
ROUTERS = {
    "/": geo_router,
    "/pairings": pairings_router,
    "/policy": policy_router,
    "/plans": plans_router,
    "/indicators": indicators_router,
    "/monitoring": monitoring_router,
    "/evaluation": evaluation_router,
    "/evaluation/stages": evaluation_stages_router,
    "/supervision": supervision_router,
    "/projects": projects_router,
    "/activities": activities_router,
    "/markets/produce": produce_router,
    "/markets/labour": labour_router,
    "/secondments": secondments_router,
    "/markets/recommend": recommend_router,
    "/me": me_router,
    "/me/notifications": notifications_router,
}

api = DuikouAPI(extra_errors=EXTRA_ERRORS)
for path, router in ROUTERS.items():
    api.add_router(path, router)
