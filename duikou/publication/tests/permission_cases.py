"""Permission-matrix cases of the publication app: the staff list and the publish and withdraw buttons (an approver
of the pairing's area decides), the moderation of feedback (the same approvers), and the public site and its API
(anyone, no sign-in; only what is published shows, never the 延安 side's unpublished project, feedback not approved or
a person's contact)."""

from duikou import testing
from duikou.accounts.scoping import Action
from duikou.permission_matrix import ANYONE, Case, api, by_pk, form_post, listing
from duikou.publication import feedback, services
from duikou.publication.feedback import services as feedback_services


def world(w):
    """The in-scope project published by a 信阳 approver, the out-of-scope one by a 延安 approver; the 延安 side has a
    second project nobody published."""
    from duikou.projects import testing as pt

    xy = testing.user("xy_publisher", "信阳市人民政府", "approver")
    ya = testing.user("ya_publisher", "延安市人民政府", "approver")
    services.publish(user=xy, item=w["inside_project"], secrecy_confirmed=True, secrecy_note="信阳侧保密审查")
    services.publish(user=ya, item=w["outside_project"], secrecy_confirmed=True, secrecy_note="延安侧保密审查")

    def message(pairing, body):
        subject = feedback.resolve("pairing", pairing.pk)
        return feedback_services.post_feedback(subject=subject, body=body, language="zh-hans")

    return {
        "unpublished_project": pt.project(w["outside"], "延安侧未公开项目"),
        "inside_feedback": message(w["inside"], "信阳侧待审核留言"),
        "outside_feedback": message(w["outside"], "延安侧待审核留言"),
    }


def cases(w):
    inside, pr_in, pr_out = w["inside"], w["inside_project"], w["outside_project"]
    hidden = [w["unpublished_project"].name, "xy_publisher", "ya_publisher", "信阳侧待审核留言", "延安侧待审核留言"]
    fb_in, fb_out = w["inside_feedback"], w["outside_feedback"]
    publish = by_pk("/publication/project/{}/publish", pr_in, pr_out)
    withdraw = by_pk("/publication/project/{}/withdraw", pr_in, pr_out)
    return {
        "public:index": Case("/public/", action=ANYONE, present=["对口合作信息公开"]),
        "public:pairings": Case("/public/pairings/", action=ANYONE, present=["信阳市—苏州市"], absent=hidden),
        "public:pairing": Case(
            f"/public/pairings/{inside.pk}/", action=ANYONE, present=[pr_in.name], absent=[pr_out.name, *hidden]
        ),
        "public:feedback": Case(
            f"/public/feedback/pairing/{inside.pk}/",
            action=ANYONE,
            present=["信阳市—苏州市", "留言内容"],
            absent=hidden,
        ),
        "public:regions": Case("/public/regions/", action=ANYONE, present=["河南省"]),
        "public:region": Case("/public/regions/411500/", action=ANYONE, present=["信阳市—苏州市"], absent=hidden),
        "public:data": Case("/public/data/", action=ANYONE, present=["accepted_by_unit"]),
        "public:search": Case(
            "/public/search/?q=%E4%BF%A1%E9%98%B3",
            action=ANYONE,
            present=[f"/public/pairings/{inside.pk}/"],
            absent=hidden,
        ),
        "public:sitemap": Case(
            "/public/sitemap.xml", action=ANYONE, present=[f"/public/pairings/{inside.pk}/"], absent=hidden
        ),
        "robots": Case("/robots.txt", action=ANYONE, present=["Sitemap:", "/public/sitemap.xml"]),
        "public:csv": Case(
            "/public/data/projects.csv", action=ANYONE, present=[pr_in.name, pr_out.name], absent=hidden
        ),
        "public:json": Case("/public/data/projects.json", action=ANYONE, present=[pr_in.name], absent=hidden),
        "public_api:public_tables": api("/public/api/tables", action=ANYONE, present=["figures"]),
        "public_api:public_table_rows": api(
            "/public/api/tables/projects", action=ANYONE, present=[pr_in.name], absent=hidden
        ),
        "public_api:public_pairings": api("/public/api/pairings", action=ANYONE, present=["信阳市"]),
        "public_api:public_pairing": api(f"/public/api/pairings/{inside.pk}", action=ANYONE, present=["苏州市"]),
        # last: the approver's withdrawal takes the project off the public pages above
        "publication:list": listing(
            "/publication/", "信阳侧保密审查", "延安侧保密审查", scoped=("may:view", "Publication")
        ),
        "publication:publish": form_post(
            *publish, action=Action.APPROVE, data={"secrecy_confirmed": "on"}, scoped=("Project",)
        ),
        "publication:feedback": listing(
            "/publication/feedback/",
            "信阳侧待审核留言",
            "延安侧待审核留言",
            action=Action.APPROVE,
            scoped=("may:approve", "Feedback"),
        ),
        "publication:feedback_step": form_post(
            *by_pk("/publication/feedback/{}/reply", fb_in, fb_out),
            action=Action.APPROVE,
            data={"version": "FEEDBACK_VERSION", "reply": "矩阵答复"},
            scoped=("Feedback",),
        ),
        "publication:withdraw": form_post(
            *withdraw, action=Action.APPROVE, data={"reason": "矩阵撤回"}, scoped=("Project",)
        ),
    }
