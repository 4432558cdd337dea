"""The pages under the Content-Security-Policy in a real browser: every page with scripts — the map, the lists,
the entry grid, the pivot chart and its map, the reporting-rate charts, the cockpit's map, a job polled by htmx,
the monitoring dashboard, the notice form, the confirm dialogs, the language switch, the API docs — draws and works
with no policy violation and no script error.

Each page is watched twice: the console (where Chromium reports a refused script, style or eval) and the
``securitypolicyviolation`` events the document fires, recorded by a script Playwright adds before any page script.
"""

import datetime
import os
import re

import pytest
from django.urls import get_resolver
from playwright.sync_api import Page, expect

from duikou import testing
from duikou.core.models import Job
from duikou.core.tests.test_browser import login, shot
from duikou.evaluation.models import Run
from duikou.evaluation.testing import published_run, supervision_people
from duikou.monitoring.tests.test_dashboard import cases  # noqa: F401 (fixture: alerts for the dashboard)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


class Watched:
    """A page whose CSP violations, console errors and uncaught script errors are collected."""

    def __init__(self, page: Page, artifacts_dir: str):
        self.page, self.artifacts_dir, self.problems = page, artifacts_dir, []
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc} {exc.stack[:400]}"))

    def check(self, where: str) -> None:
        """No violation or error so far on this page (call after the page has drawn)."""
        violations = self.page.evaluate("window.__violations || []")
        problems = sorted(set(self.problems + [f"violation: {v}" for v in violations]))
        assert problems == [], f"{where}: {[p[:300] for p in problems[:5]]}"

    def charts(self, where: str, selectors: list[str], screenshot: str) -> None:
        """Wait until the charts have drawn, hover over the middle of the first (ECharts draws its tooltip), keep a
        screenshot and check."""
        for selector in selectors:
            expect(self.page.locator(selector)).to_have_attribute("data-ready", "1")
        self.page.wait_for_timeout(1200)  # the series animate in
        box = self.page.locator(selectors[0]).bounding_box()
        self.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + box["height"] / 2 + 5)
        self.page.wait_for_timeout(300)
        shot(self.page, self.artifacts_dir, screenshot)
        self.check(where)


def test_every_page_with_scripts_works_under_the_content_security_policy(
    live_server,
    reference_data,
    cases,  # noqa: F811
    new_page,
    artifacts_dir,
):
    get_resolver().url_patterns  # noqa: B018 (first import of the URL conf, outside the browser's timeout)
    who = supervision_people()
    ndrc = who["ndrc"]
    xinyang, yanan = testing.pairing("信阳市", "苏州市"), testing.pairing("延安市", "无锡市")
    run = published_run(ndrc, [(yanan, "93.40", "excellent"), (xinyang, "68.50", "fair")])
    unpublished = published_run(ndrc, [(yanan, "90.00", "excellent")], year=2024)  # then taken back to not published
    Run.objects.filter(pk=unpublished.pk).update(status=Run.Status.DONE, published_by=None, published_at=None)
    job = Job.objects.create(
        kind="export", title="导出结对清单", user=ndrc, status=Job.Status.RUNNING, done=3, total=10
    )
    base = live_server.url

    city = Watched(new_page(), artifacts_dir)
    login(city.page, base, "xy_editor")
    # the home map (ECharts, the vendored China map)
    city.charts("home map", ["#pairing-map"], "csp-home-map.png")
    city.page.goto(f"{base}/pairings/")
    expect(city.page.locator("table")).to_be_visible()
    city.check("pairing list")
    # the entry grid: Enter moves down and each row left is saved (entry.js, fetch)
    city.page.goto(f"{base}/indicators/entry/{xinyang.pk}/quarterly/2025Q3/")
    # two totals one under the other (a breakdown's sub-rows, under their total, do not count in completeness)
    rows = [
        (r.get_attribute("id")[4:], r.get_attribute("data-option"))
        for r in city.page.locator("#grid tr[id^=row-]").all()
    ]
    first, second = next((a, b) for (a, x), (b, y) in zip(rows, rows[1:], strict=False) if not x and not y)
    city.page.locator(f"#v-{first}").focus()
    city.page.keyboard.type("1200")
    city.page.keyboard.press("Enter")
    expect(city.page.locator(f"#v-{second}")).to_be_focused()
    city.page.keyboard.type("52000")
    city.page.keyboard.press("Enter")
    expect(city.page.locator("#completeness-count")).to_have_text("2 / 11")
    city.check("indicator entry grid")
    # the language switch submits its form (data-autosubmit, site.js)
    with city.page.expect_navigation():
        city.page.select_option("select[name=language]", "en")
    expect(city.page.locator("html")).to_have_attribute("lang", "en")
    with city.page.expect_navigation():
        city.page.select_option("select[name=language]", "zh-hans")
    city.check("language switch")

    nation = Watched(new_page(), artifacts_dir)
    login(nation.page, base, "ndrc_approver")
    # the pivot: bar chart and choropleth
    nation.page.goto(f"{base}/indicators/analytics/?indicator=signed_amount_wan&rows=province&cols=period")
    nation.charts("pivot chart and map", ["#chart-pivot", "#map-pivot"], "csp-pivot.png")
    # the reporting-rate charts, and the cockpit's map (its print picture is a data: image, which img-src allows)
    nation.page.goto(f"{base}/indicators/timeliness/?dataset=quarterly&year=2025")
    nation.charts("reporting-rate charts", ["#timeliness-by-province", "#timeliness-by-period"], "csp-timeliness.png")
    nation.page.goto(f"{base}/cockpit/?year=2025")
    nation.charts("cockpit map", ["#cockpit-map"], "csp-cockpit.png")
    nation.page.click("#cockpit-year-select")  # the year selector is there, the print button too
    expect(nation.page.locator("[data-print]")).to_be_visible()
    # a job in progress: htmx polls it, and swaps in the finished state
    nation.page.goto(f"{base}/jobs/{job.pk}/")
    expect(nation.page.locator(".progress-bar")).to_have_class(re.compile(r"\bdk-pct-30\b"))
    assert nation.page.locator(".progress-bar").bounding_box()["width"] > 0
    with nation.page.expect_request(lambda r: f"/jobs/{job.pk}/" in r.url and r.headers.get("hx-request") == "true"):
        pass
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, done=10, finished=datetime.datetime.now(datetime.UTC))
    expect(nation.page.locator(f"#job-{job.pk}")).to_have_attribute("data-status", "done")
    expect(nation.page.locator(".progress-bar")).to_have_text("100%")
    expect(nation.page.locator(".progress-bar")).to_have_class(re.compile(r"\bdk-pct-100\b"))
    nation.check("job polled by htmx")
    # the monitoring dashboard's bar chart
    nation.page.goto(f"{base}/monitoring/dashboard/")
    nation.charts("monitoring dashboard", ["#dashboard-chart"], "csp-monitoring-dashboard.png")
    # the notice form: choosing a pairing reloads it with that pairing (notice_issue.js)
    nation.page.goto(f"{base}/evaluation/notices/new/?run={run.pk}")
    with nation.page.expect_navigation():
        nation.page.select_option("#id_pairing", label="信阳市—苏州市")
    assert f"pairing={xinyang.pk}" in nation.page.url
    expect(nation.page.locator("#id_responsible option:checked")).to_have_text("信阳市人民政府")
    nation.check("notice form")
    # a confirm dialog (data-confirm, site.js): declined, nothing is published
    nation.page.goto(f"{base}/evaluation/runs/{unpublished.pk}/")
    asked = []
    nation.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    nation.page.click("#run-publish")
    nation.page.wait_for_timeout(300)
    assert asked == ["发布后结果冻结、城市可见，确定发布？"]
    unpublished.refresh_from_db()
    assert unpublished.status == Run.Status.DONE
    nation.check("confirm before publishing")
    # the API's own documentation page (django-ninja's Swagger UI, served from its static files)
    nation.page.goto(f"{base}/api/docs")
    expect(nation.page.locator(".swagger-ui .info")).to_be_visible()
    nation.check("API docs")
