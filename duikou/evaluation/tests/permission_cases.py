"""Permission-matrix cases of evaluation and of supervision (commendations and rectification notices)."""

from duikou.accounts import scoping
from duikou.evaluation import testing as evaluation_testing
from duikou.permission_matrix import SUPERVISOR, Case, api, api_write, by_pk, form_post


def world(w) -> dict:
    editor, stranger = w["users"]["editor"], w["stranger"]
    return {
        **evaluation_testing.evaluation_matrix_world(editor, stranger, w["inside"], w["outside"]),
        **evaluation_testing.supervision_matrix_world(editor, stranger),
        **evaluation_testing.stages_matrix_world(stranger),
    }


def cases(w) -> dict[str, Case]:
    return evaluation_cases(w) | supervision_cases(w) | stage_cases(w)


def evaluation_cases(w) -> dict[str, Case]:
    """Evaluation schemes and runs: the 河南 scheme (信阳–苏州) is in scope, the 陕西 one (延安–无锡) is not. A city
    never keeps, runs or publishes a scheme, so those routes answer 403 to every 信阳 role (ok=403); the first run of
    each scheme is published, so the city sees its ranking and its own explanation (duikou.evaluation.testing)."""
    A = scoping.Action
    sides = [
        {key: w[f"{side}_{name}"].pk for key, name in (("s", "scheme"), ("r", "run"), ("re", "rerun"), ("i", "item"))}
        | {"p": w[side].pk}
        for side in ("inside", "outside")
    ]
    s_in, r_in = sides[0]["s"], sides[0]["r"]
    mine, theirs = "信阳侧矩阵评估方案", "延安侧矩阵评估方案"
    ranking = {"present": ["信阳市—苏州市"], "absent": ["延安市—无锡市"]}
    new_scheme = {"year": 2026, "level": "province", "province": "410000", "name": "接口新建方案"}
    scheme_items, explained = ("Scheme", "Item"), ("Run", "Result", "Score")

    def both(template: str) -> tuple[str, str]:
        """The in-scope and the out-of-scope URL: ``template`` with {s}, {r}, {re}, {i}, {p} for the scheme, the
        published run, the rerun, the item and the pairing of each side."""
        return template.format(**sides[0]), template.format(**sides[1])

    def keep(url_in, url_out=None, *, method="get", action=A.CHANGE, scoped=("Scheme",), **extra):
        return Case(url_in, url_out, method=method, action=action, ok=403, scoped=scoped, **extra)

    return {
        "evaluation:schemes": Case("/evaluation/", present=[mine], absent=[theirs], scoped=("Scheme",)),
        "evaluation:scheme_create": keep("/evaluation/schemes/new/", scoped=("may:change",)),
        "evaluation:scheme": Case(
            *both("/evaluation/schemes/{s}/"), present=["信阳侧资金到位完成度"], scoped=scheme_items
        ),
        "evaluation:scheme_edit": keep(*both("/evaluation/schemes/{s}/edit/")),
        "evaluation:scheme_copy": keep(*both("/evaluation/schemes/{s}/copy/"), method="post", data={"year": 2026}),
        "evaluation:item_create": keep(*both("/evaluation/schemes/{s}/items/new/")),
        "evaluation:item_edit": keep(*both("/evaluation/schemes/{s}/items/{i}/")),
        "evaluation:reviews": keep(*both("/evaluation/schemes/{s}/reviews/")),
        "evaluation:runs": Case(
            *both("/evaluation/schemes/{s}/runs/"), present=[f"/evaluation/runs/{r_in}/"], scoped=("Scheme", "Run")
        ),
        "evaluation:run_start": keep(*both("/evaluation/schemes/{s}/runs/start/"), method="post"),
        "evaluation:run": Case(*both("/evaluation/runs/{r}/"), **ranking, scoped=explained),
        "evaluation:run_export": Case(
            *both("/evaluation/runs/{r}/ranking.xlsx"), present=["信阳市"], absent=["延安市"], scoped=("Run", "Result")
        ),
        "evaluation:run_report": Case(
            *both("/evaluation/runs/{r}/report/docx/"), method="post", ok=302, scoped=("Run",)
        ),
        "evaluation:explanation": Case(
            *both("/evaluation/runs/{r}/pairings/{p}/"),
            present=["信阳侧资金到位完成度", "7,000 万元"],
            scoped=explained,
        ),
        "evaluation:run_compare": Case(*both("/evaluation/runs/{re}/compare/?other={r}"), **ranking, scoped=explained),
        "evaluation:run_publish": keep(
            *both("/evaluation/runs/{re}/publish/"), method="post", action=A.APPROVE, scoped=("Run",)
        ),
        # API
        "api:evaluation_schemes": api("/api/evaluation/schemes", present=[mine], absent=[theirs], scoped=("Scheme",)),
        "api:evaluation_scheme": api(
            *both("/api/evaluation/schemes/{s}"), present=["信阳侧资金到位完成度"], scoped=scheme_items
        ),
        "api:create_evaluation_scheme": keep(
            "/api/evaluation/schemes", method="post_json", data=new_scheme, api=True, scoped=("may:change",)
        ),
        "api:copy_evaluation_scheme": keep(
            *both("/api/evaluation/schemes/{s}/copy"), method="post_json", data={"year": 2026}, api=True
        ),
        "api:evaluation_runs": api(
            *both("/api/evaluation/schemes/{s}/runs"), present=[f'"scheme_id": {s_in}'], scoped=("Scheme", "Run")
        ),
        "api:start_evaluation_run": keep(*both("/api/evaluation/schemes/{s}/runs"), method="post_json", api=True),
        "api:evaluation_run": api(
            *both("/api/evaluation/runs/{r}"), present=['"status": "published"'], scoped=("Run",)
        ),
        "api:publish_evaluation_run": keep(
            *both("/api/evaluation/runs/{re}/publish"), method="post_json", action=A.APPROVE, api=True, scoped=("Run",)
        ),
        "api:compare_evaluation_runs": api(*both("/api/evaluation/runs/{re}/compare/{r}"), **ranking, scoped=explained),
        "api:evaluation_results": api(*both("/api/evaluation/runs/{r}/results"), **ranking, scoped=("Run", "Result")),
        "api:evaluation_scores": api(
            *both("/api/evaluation/runs/{r}/pairings/{p}/scores"), present=["7,000 万元"], scoped=explained
        ),
    }


def supervision_cases(w) -> dict[str, Case]:
    """Commendations and rectification notices (duikou.evaluation.testing.supervision_matrix_world): the 2023
    national run is published, so its commendation list is read by all; the notices to 信阳 are in scope, the
    one to 延安 is not; issuing, generating and the national desk belong to the supervising level."""
    run = w["supervision_run"]
    n_in, n_api, n_out = w["inside_notice"], w["inside_api_notice"], w["outside_notice"]
    inside, outside = w["inside"], w["outside"]
    issue_body = {"run_id": run.pk, "finding": "越权下发", "measures_required": "x", "deadline": "2099-01-01"}
    issue = {"data": {**issue_body, "pairing_id": inside.pk}, "data_out": {**issue_body, "pairing_id": outside.pk}}
    received = ["信阳侧接口整改问题", '"status": "received"']
    receive = {"data": {"version": "API_NOTICE_VERSION"}, "data_out": {"version": "NOTICE_VERSION"}}
    notices = {"present": [n_in.number, "信阳侧整改问题"], "absent": ["延安侧整改问题"]}
    notice, notice_api = "/evaluation/notices/{}/", "/api/supervision/notices/{}"
    notices_api, commendations = "/api/supervision/notices", ("Run", "Commendation")
    commendations_api = f"/api/supervision/runs/{run.pk}/commendations"
    receive_at = (f"{notices_api}/{n_api.pk}/steps/receive", f"{notices_api}/{n_out.pk}/steps/receive")
    shown = {"present": ["信阳侧整改问题"], "scoped": ("Notice",)}
    issue_at = tuple(f"/evaluation/notices/new/?run={run.pk}&pairing={p.pk}" for p in (inside, outside))
    batch_at = (
        f"/evaluation/notices/new/batch/?run={run.pk}",
        f"/evaluation/notices/new/batch/?run={w['outside_run'].pk}",
    )
    zip_at = tuple(f"/evaluation/notices/batch/{w[f'{side}_batch']}/notices.zip" for side in ("inside", "outside"))
    batch_body = {"run_id": run.pk, "finding": "越权批量下发", "measures_required": "x", "deadline": "2099-01-01"}
    batch_issue = {
        "data": {**batch_body, "pairing_ids": [inside.pk]},
        "data_out": {**batch_body, "pairing_ids": [inside.pk, outside.pk]},
    }
    return {
        "evaluation:notices": Case("/evaluation/notices/", **notices, scoped=("Notice",)),
        "evaluation:notice_export": Case("/evaluation/notices/export.xlsx", **notices, scoped=("Notice",)),
        "evaluation:national_desk": Case("/evaluation/notices/national/", action=SUPERVISOR, scoped=("may:view",)),
        # reminding responsible units: the supervising level only (a province's or the nation's approvers)
        "evaluation:notice_remind": form_post(
            "/evaluation/notices/remind/", action=SUPERVISOR, scoped=("may:approve",)
        ),
        "evaluation:notice_issue": Case(*issue_at, action=SUPERVISOR, scoped=("Run", "Pairing")),
        # issuing to several pairings at once: the run's organiser only; a run out of scope is not found
        "evaluation:notice_issue_batch": Case(*batch_at, action=SUPERVISOR, scoped=("Run",)),
        # the Word documents of a batch, as the notices are seen: a batch of 延安's notices is not found
        "evaluation:notice_batch_zip": Case(
            *zip_at, present=["信阳侧批量下发问题"], absent=["延安侧"], scoped=("Notice",)
        ),
        "evaluation:notice_detail": Case(*by_pk(notice, n_in, n_out), **shown),
        "evaluation:notice_step": form_post(
            *by_pk(f"{notice}step/receive/", n_in, n_out), data={"version": "NOTICE_VERSION"}, scoped=("Notice",)
        ),
        "evaluation:notice_docx": Case(*by_pk(f"{notice}notice.docx", n_in, n_out), **shown),
        "evaluation:commendations": Case(
            f"/evaluation/commendations/{run.pk}/",
            present=["信阳市—苏州市", n_in.number],
            absent=["延安侧整改问题"],
            scoped=(*commendations, "Notice"),
        ),
        "evaluation:commendation_generate": Case(
            f"/evaluation/commendations/{run.pk}/generate/", method="post", action=SUPERVISOR, ok=302, scoped=("Run",)
        ),
        "evaluation:commendation_docx": Case(
            f"/evaluation/commendations/{run.pk}/commendations.docx", present=["信阳市"], scoped=commendations
        ),
        "api:list_commendations": api(commendations_api, present=["信阳市—苏州市"], scoped=commendations),
        "api:generate_commendations": api_write(
            commendations_api, None, "post_json", {}, ok=200, action=SUPERVISOR, scoped=("Run",)
        ),
        "api:list_notices": api(notices_api, present=["信阳侧整改问题"], absent=["延安侧整改问题"], scoped=("Notice",)),
        "api:national_desk_notices": api(
            "/api/supervision/notices/national-desk", action=SUPERVISOR, scoped=("may:view",)
        ),
        "api:get_notice": api(*by_pk(notice_api, n_in, n_out), **shown),
        "api:issue_notice": api_write(
            notices_api, notices_api, "post_json", ok=200, action=SUPERVISOR, **issue, scoped=("Run", "Pairing")
        ),
        "api:issue_notice_batch": api_write(
            notices_api + "/batch",
            notices_api + "/batch",
            "post_json",
            ok=201,
            action=SUPERVISOR,
            **batch_issue,
            scoped=("Run", "Pairing"),
        ),
        "api:take_notice_step": api_write(
            *receive_at, "post_json", ok=200, **receive, present=received, scoped=("Notice",)
        ),
    }


def stage_cases(w) -> dict[str, Case]:
    """Self-assessments and cross-checks (duikou.evaluation.testing.stages_matrix_world): the 河南 scheme's are in
    scope, the 陕西 scheme is not; the 信阳 users fill in 信阳's side and give their opinion on 苏州's, and review the
    cross-check assigned to 信阳市人民政府; assigning a cross-check belongs to the scheme's province."""
    s_in, s_out = w["stage_scheme"].pk, w["stage_scheme_out"].pk
    p_in, p_out = w["inside"].pk, w["outside"].pk
    a_in, a_out = w["inside_stage_assessment"], w["outside_stage_assessment"]
    c_in, c_out = w["inside_stage_check"], w["outside_stage_check"]
    item_in = w["stage_scheme"].items.get().pk
    item_out = w["stage_scheme_out"].items.get().pk
    side = ("/evaluation/schemes/{}/assessments/{}/{}/", (s_in, p_in), (s_out, p_out))

    def sides(suffix: str, which: str = "old") -> tuple[str, str]:
        return side[0].format(*side[1], which) + suffix, side[0].format(*side[2], which) + suffix

    opinion = {"version": "STAGE_PARTNER_VERSION", f"opinion-{item_in}": "agree"}
    stage_api = "/api/evaluation/stages"
    entries = [{"item_id": item_in, "grade": "fairly_good", "statement": "接口自评说明"}]
    finding = {"version": "STAGE_CHECK_VERSION", "item_id": c_in.sample[0], "finding": "接口核查发现"}
    shown = ("Scheme", "Pairing", "SelfAssessment")
    return {
        "evaluation:assessments": Case(
            f"/evaluation/schemes/{s_in}/assessments/",
            f"/evaluation/schemes/{s_out}/assessments/",
            present=["信阳市—苏州市"],
            absent=["延安市—无锡市"],
            scoped=shown,
        ),
        "evaluation:assessments_export": Case(
            f"/evaluation/schemes/{s_in}/assessments/export.xlsx",
            f"/evaluation/schemes/{s_out}/assessments/export.xlsx",
            scoped=("Scheme",),
        ),
        "evaluation:assessment": Case(*sides(""), present=["信阳侧自评说明"], scoped=shown),
        # the partner's opinion on 苏州's submitted self-assessment, by a 信阳 user who may change data
        "evaluation:assessment_step": form_post(
            *sides("step/opinion/", "partner"), data=opinion, data_out=opinion, scoped=("SelfAssessment",)
        ),
        "evaluation:cross_check_assign": Case(
            f"/evaluation/schemes/{s_in}/cross-checks/assign/",
            f"/evaluation/schemes/{s_out}/cross-checks/assign/",
            method="post",
            action=SUPERVISOR,
            data={"pairing": p_in, "reviewer": 1},
            scoped=("Scheme",),
        ),
        "evaluation:cross_check": Case(
            *by_pk("/evaluation/cross-checks/{}/", c_in, c_out), present=["陕西省自评评估项"], scoped=("CrossCheck",)
        ),
        "evaluation:cross_check_step": form_post(
            *by_pk("/evaluation/cross-checks/{}/step/report/", c_in, c_out),
            data={"version": "STAGE_CHECK_VERSION"},
            scoped=("CrossCheck",),
        ),
        "api:evaluation_assessments": api(
            f"{stage_api}/schemes/{s_in}/assessments",
            f"{stage_api}/schemes/{s_out}/assessments",
            present=["信阳侧自评说明"],
            absent=["延安侧自评说明"],
            scoped=("Scheme", "SelfAssessment"),
        ),
        "api:save_assessment": api_write(
            f"{stage_api}/schemes/{s_in}/assessments/{p_in}/old",
            f"{stage_api}/schemes/{s_out}/assessments/{p_out}/old",
            "post_json",
            {"version": "STAGE_ASSESSMENT_VERSION", "entries": entries},
            data_out={"version": "STAGE_ASSESSMENT_VERSION", "entries": [entries[0] | {"item_id": item_out}]},
            ok=200,
            present=["接口自评说明"],
            scoped=("Scheme", "Pairing", "SelfAssessment"),
        ),
        "api:take_assessment_step": api_write(
            f"{stage_api}/assessments/{a_in.pk}/steps/submit",
            f"{stage_api}/assessments/{a_out.pk}/steps/submit",
            "post_json",
            {"version": "STAGE_ASSESSMENT_VERSION"},
            ok=200,
            present=['"status": "submitted"'],
            scoped=("SelfAssessment",),
        ),
        "api:get_cross_check": api(
            *by_pk(f"{stage_api}/cross-checks/{{}}", c_in, c_out), present=["信阳市人民政府"], scoped=("CrossCheck",)
        ),
        "api:record_cross_check_finding": api_write(
            *by_pk(f"{stage_api}/cross-checks/{{}}/findings", c_in, c_out),
            "post_json",
            finding,
            data_out=finding | {"item_id": c_out.sample[0]},
            ok=200,
            present=["接口核查发现"],
            scoped=("CrossCheck",),
        ),
        "api:report_cross_check": api_write(
            *by_pk(f"{stage_api}/cross-checks/{{}}/report", c_in, c_out),
            "post_json",
            {"version": "STAGE_CHECK_VERSION"},
            ok=200,
            present=['"status": "reported"'],
            scoped=("CrossCheck",),
        ),
    }
