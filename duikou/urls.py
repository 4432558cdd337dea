from django.contrib.auth import views as auth_views
from django.urls import include, path

from duikou import health, views
from duikou.api import api
from duikou.core import calendar_views, job_views
from duikou.core import views as core_views
from duikou.culture import public_urls as culture_public
from duikou.publication import public_urls as publication_public
from duikou.publication import public_views
from duikou.publication.public_api import public_api

urlpatterns = [
    path("", views.home, name="home"),
    path("todo/", views.todo_list, name="todo"),
    path("cockpit/", views.cockpit, name="cockpit"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("robots.txt", public_views.robots, name="robots"),  # crawlers: the public site only, and its sitemap
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/schedules/", job_views.schedule_list, name="schedule_list"),
    path("jobs/<uuid:pk>/", core_views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/cancel", job_views.job_cancel, name="job_cancel"),
    path("jobs/<uuid:pk>/download", core_views.job_download, name="job_download"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/day", calendar_views.calendar_day, name="calendar_day"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("duikou.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("duikou.geo.urls")),
    path("pairings/", include("duikou.pairings.urls")),
    path("policy/", include("duikou.policy.urls")),
    path("audit/", include("duikou.audit.urls")),
    path("plans/", include("duikou.plans.urls")),
    path("indicators/", include("duikou.indicators.urls")),
    path("monitoring/", include("duikou.monitoring.urls")),
    path("", include("duikou.monitoring.public_urls")),  # /declare/…: public, no sign-in
    path("notices/", include("duikou.monitoring.notice_urls")),  # public 公示/公告 pages, no sign-in
    path("public/api/", public_api.urls),  # the public site's read-only API, its own OpenAPI document; no sign-in
    # the public site: pairings, results, open data, and the red-culture platform's pages, in one namespace
    path("public/", include((publication_public.urlpatterns + culture_public.urlpatterns, "public"))),
    path("publication/", include("duikou.publication.urls")),  # staff: what is published, publish and withdraw
    path("culture/", include("duikou.culture.urls")),  # the red-culture platform: editors and reviewers
    path("evaluation/", include("duikou.evaluation.urls")),
    path("secondments/", include("duikou.secondments.urls")),  # seconded cadres and professionals by name
    path("markets/", include("duikou.markets.urls")),
    path("inbox/", include("duikou.notifications.urls")),
    path("", include("duikou.projects.urls")),
    path("", include("duikou.markets.redirects")),  # old addresses of renamed matching subjects
    path("api/", api.urls),
]

handler404 = "duikou.core.views.not_found"
handler500 = "duikou.core.views.server_error"
