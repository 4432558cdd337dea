"""Permission-matrix cases of evaluation and of supervision (commendations and rectification notices)."""

from duikou.accounts import scoping
from duikou.evaluation import testing as evaluation_testing
from duikou.permission_matrix import SUPERVISOR, Case, api, form_post


def world(w) -> dict:
    editor, stranger = w["users"]["editor"], w["stranger"]
    return {
        **evaluation_testing.evaluation_matrix_world(editor, stranger, w["inside"], w["outside"]),
        **evaluation_testing.supervision_matrix_world(editor, stranger),
    }


def cases(w) -> dict[str, Case]:
    return evaluation_cases(w) | supervision_cases(w)


def evaluation_cases(w) -> dict[str, Case]:
    """Evaluation schemes and runs: the 河南 scheme (信阳–苏州) is in scope, the 陕西 one (延安–无锡) is not. A city
    never keeps, runs or publishes a scheme, so those routes answer 403 to every 信阳 role (ok=403); the first run of
    each scheme is published, so the city sees its ranking and its own explanation (duikou.evaluation.testing)."""
    A = scoping.Action
    s_in, s_out = w["inside_scheme"].pk, w["outside_scheme"].pk
    r_in, r_out = w["inside_run"].pk, w["outside_run"].pk
    re_in, re_out = w["inside_rerun"].pk, w["outside_rerun"].pk
    i_in, i_out = w["inside_item"].pk, w["outside_item"].pk
    p_in, p_out = w["inside"].pk, w["outside"].pk
    mine, theirs = "信阳侧矩阵评估方案", "延安侧矩阵评估方案"
    ranking = {"present": ["信阳市—苏州市"], "absent": ["延安市—无锡市"]}
    new_scheme = {"year": 2026, "level": "province", "province": "410000", "name": "接口新建方案"}

    def keep(url_in, url_out=None, *, method="get", action=A.CHANGE, scoped=("Scheme",), **extra):
        return Case(url_in, url_out, method=method, action=action, ok=403, scoped=scoped, **extra)

    return {
        "evaluation:schemes": Case("/evaluation/", present=[mine], absent=[theirs], scoped=("Scheme",)),
        "evaluation:scheme_create": keep("/evaluation/schemes/new/", scoped=("may:change",)),
        "evaluation:scheme": Case(
            f"/evaluation/schemes/{s_in}/",
            f"/evaluation/schemes/{s_out}/",
            present=["信阳侧资金到位完成度"],
            scoped=("Scheme", "Item"),
        ),
        "evaluation:scheme_edit": keep(f"/evaluation/schemes/{s_in}/edit/", f"/evaluation/schemes/{s_out}/edit/"),
        "evaluation:scheme_copy": keep(
            f"/evaluation/schemes/{s_in}/copy/",
            f"/evaluation/schemes/{s_out}/copy/",
            method="post",
            data={"year": 2026},
        ),
        "evaluation:item_create": keep(
            f"/evaluation/schemes/{s_in}/items/new/", f"/evaluation/schemes/{s_out}/items/new/"
        ),
        "evaluation:item_edit": keep(
            f"/evaluation/schemes/{s_in}/items/{i_in}/", f"/evaluation/schemes/{s_out}/items/{i_out}/"
        ),
        "evaluation:reviews": keep(f"/evaluation/schemes/{s_in}/reviews/", f"/evaluation/schemes/{s_out}/reviews/"),
        "evaluation:runs": Case(
            f"/evaluation/schemes/{s_in}/runs/",
            f"/evaluation/schemes/{s_out}/runs/",
            present=[f"/evaluation/runs/{r_in}/"],
            scoped=("Scheme", "Run"),
        ),
        "evaluation:run_start": keep(
            f"/evaluation/schemes/{s_in}/runs/start/", f"/evaluation/schemes/{s_out}/runs/start/", method="post"
        ),
        "evaluation:run": Case(
            f"/evaluation/runs/{r_in}/", f"/evaluation/runs/{r_out}/", **ranking, scoped=("Run", "Result", "Score")
        ),
        "evaluation:run_export": Case(
            f"/evaluation/runs/{r_in}/ranking.xlsx",
            f"/evaluation/runs/{r_out}/ranking.xlsx",
            present=["信阳市"],
            absent=["延安市"],
            scoped=("Run", "Result"),
        ),
        "evaluation:run_report": Case(
            f"/evaluation/runs/{r_in}/report/docx/",
            f"/evaluation/runs/{r_out}/report/docx/",
            method="post",
            ok=302,
            scoped=("Run",),
        ),
        "evaluation:explanation": Case(
            f"/evaluation/runs/{r_in}/pairings/{p_in}/",
            f"/evaluation/runs/{r_out}/pairings/{p_out}/",
            present=["信阳侧资金到位完成度", "7,000 万元"],
            scoped=("Run", "Result", "Score"),
        ),
        "evaluation:run_compare": Case(
            f"/evaluation/runs/{re_in}/compare/?other={r_in}",
            f"/evaluation/runs/{re_out}/compare/?other={r_out}",
            **ranking,
            scoped=("Run", "Result", "Score"),
        ),
        "evaluation:run_publish": keep(
            f"/evaluation/runs/{re_in}/publish/",
            f"/evaluation/runs/{re_out}/publish/",
            method="post",
            action=A.APPROVE,
            scoped=("Run",),
        ),
        # API
        "api:evaluation_schemes": api("/api/evaluation/schemes", present=[mine], absent=[theirs], scoped=("Scheme",)),
        "api:evaluation_scheme": api(
            f"/api/evaluation/schemes/{s_in}",
            f"/api/evaluation/schemes/{s_out}",
            present=["信阳侧资金到位完成度"],
            scoped=("Scheme", "Item"),
        ),
        "api:create_evaluation_scheme": keep(
            "/api/evaluation/schemes", method="post_json", data=new_scheme, api=True, scoped=("may:change",)
        ),
        "api:copy_evaluation_scheme": keep(
            f"/api/evaluation/schemes/{s_in}/copy",
            f"/api/evaluation/schemes/{s_out}/copy",
            method="post_json",
            data={"year": 2026},
            api=True,
        ),
        "api:evaluation_runs": api(
            f"/api/evaluation/schemes/{s_in}/runs",
            f"/api/evaluation/schemes/{s_out}/runs",
            present=[f'"scheme_id": {s_in}'],
            scoped=("Scheme", "Run"),
        ),
        "api:start_evaluation_run": keep(
            f"/api/evaluation/schemes/{s_in}/runs",
            f"/api/evaluation/schemes/{s_out}/runs",
            method="post_json",
            api=True,
        ),
        "api:evaluation_run": api(
            f"/api/evaluation/runs/{r_in}",
            f"/api/evaluation/runs/{r_out}",
            present=['"status": "published"'],
            scoped=("Run",),
        ),
        "api:publish_evaluation_run": keep(
            f"/api/evaluation/runs/{re_in}/publish",
            f"/api/evaluation/runs/{re_out}/publish",
            method="post_json",
            action=A.APPROVE,
            api=True,
            scoped=("Run",),
        ),
        "api:compare_evaluation_runs": api(
            f"/api/evaluation/runs/{re_in}/compare/{r_in}",
            f"/api/evaluation/runs/{re_out}/compare/{r_out}",
            **ranking,
            scoped=("Run", "Result", "Score"),
        ),
        "api:evaluation_results": api(
            f"/api/evaluation/runs/{r_in}/results",
            f"/api/evaluation/runs/{r_out}/results",
            **ranking,
            scoped=("Run", "Result"),
        ),
        "api:evaluation_scores": api(
            f"/api/evaluation/runs/{r_in}/pairings/{p_in}/scores",
            f"/api/evaluation/runs/{r_out}/pairings/{p_out}/scores",
            present=["7,000 万元"],
            scoped=("Run", "Result", "Score"),
        ),
    }


def supervision_cases(w) -> dict[str, Case]:
    """Commendations and rectification notices (duikou.evaluation.testing.supervision_matrix_world): the 2023
    national run is published, so its commendation list is read by all; the notices to 信阳 are in scope, the
    one to 延安 is not; issuing, generating and the national desk belong to the supervising level."""
    A = scoping.Action
    run = w["supervision_run"]
    n_in, n_api, n_out = w["inside_notice"], w["inside_api_notice"], w["outside_notice"]
    inside, outside = w["inside"], w["outside"]
    issue_body = {"run_id": run.pk, "finding": "越权下发", "measures_required": "x", "deadline": "2099-01-01"}
    return {
        "evaluation:notices": Case(
            "/evaluation/notices/",
            present=[n_in.number, "信阳侧整改问题"],
            absent=["延安侧整改问题"],
            scoped=("Notice",),
        ),
        "evaluation:notice_export": Case(
            "/evaluation/notices/export.xlsx",
            present=[n_in.number, "信阳侧整改问题"],
            absent=["延安侧整改问题"],
            scoped=("Notice",),
        ),
        "evaluation:national_desk": Case("/evaluation/notices/national/", action=SUPERVISOR, scoped=("may:view",)),
        "evaluation:notice_issue": Case(
            f"/evaluation/notices/new/?run={run.pk}&pairing={inside.pk}",
            f"/evaluation/notices/new/?run={run.pk}&pairing={outside.pk}",
            action=SUPERVISOR,
            scoped=("Run", "Pairing"),
        ),
        "evaluation:notice_detail": Case(
            f"/evaluation/notices/{n_in.pk}/",
            f"/evaluation/notices/{n_out.pk}/",
            present=["信阳侧整改问题"],
            scoped=("Notice",),
        ),
        "evaluation:notice_step": form_post(
            f"/evaluation/notices/{n_in.pk}/step/receive/",
            f"/evaluation/notices/{n_out.pk}/step/receive/",
            data={"version": "NOTICE_VERSION"},
            scoped=("Notice",),
        ),
        "evaluation:notice_docx": Case(
            f"/evaluation/notices/{n_in.pk}/notice.docx",
            f"/evaluation/notices/{n_out.pk}/notice.docx",
            present=["信阳侧整改问题"],
            scoped=("Notice",),
        ),
        "evaluation:commendations": Case(
            f"/evaluation/commendations/{run.pk}/",
            present=["信阳市—苏州市", n_in.number],
            absent=["延安侧整改问题"],
            scoped=("Run", "Commendation", "Notice"),
        ),
        "evaluation:commendation_generate": Case(
            f"/evaluation/commendations/{run.pk}/generate/",
            method="post",
            action=SUPERVISOR,
            ok=302,
            scoped=("Run",),
        ),
        "evaluation:commendation_docx": Case(
            f"/evaluation/commendations/{run.pk}/commendations.docx",
            present=["信阳市"],
            scoped=("Run", "Commendation"),
        ),
        "api:list_commendations": api(
            f"/api/supervision/runs/{run.pk}/commendations",
            present=["信阳市—苏州市"],
            scoped=("Run", "Commendation"),
        ),
        "api:generate_commendations": Case(
            f"/api/supervision/runs/{run.pk}/commendations",
            api=True,
            method="post_json",
            action=SUPERVISOR,
            scoped=("Run",),
        ),
        "api:list_notices": api(
            "/api/supervision/notices",
            present=["信阳侧整改问题"],
            absent=["延安侧整改问题"],
            scoped=("Notice",),
        ),
        "api:national_desk_notices": api(
            "/api/supervision/notices/national-desk", action=SUPERVISOR, scoped=("may:view",)
        ),
        "api:get_notice": api(
            f"/api/supervision/notices/{n_in.pk}",
            f"/api/supervision/notices/{n_out.pk}",
            present=["信阳侧整改问题"],
            scoped=("Notice",),
        ),
        "api:issue_notice": Case(
            "/api/supervision/notices",
            "/api/supervision/notices",
            api=True,
            method="post_json",
            action=SUPERVISOR,
            data={**issue_body, "pairing_id": inside.pk},
            data_out={**issue_body, "pairing_id": outside.pk},
            scoped=("Run", "Pairing"),
        ),
        "api:take_notice_step": Case(
            f"/api/supervision/notices/{n_api.pk}/steps/receive",
            f"/api/supervision/notices/{n_out.pk}/steps/receive",
            api=True,
            method="post_json",
            action=A.CHANGE,
            data={"version": "API_NOTICE_VERSION"},
            data_out={"version": "NOTICE_VERSION"},
            present=["信阳侧接口整改问题", '"status": "received"'],
            scoped=("Notice",),
        ),
    }
