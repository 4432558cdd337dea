"""Every public URL, walked with drafts, unpublished items, a withdrawn one, feedback not (or no longer) approved and
personal data seeded on purpose: none of it may appear, in either language, in a page, a download or an API answer."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from duikou.culture import queries as culture_queries
from duikou.culture import services as culture_services
from duikou.culture import testing as ct
from duikou.evaluation import testing as ev
from duikou.publication import feedback, opendata, services, site
from duikou.publication import testing as pub
from duikou.publication.feedback import services as feedback_services

pytestmark = pytest.mark.django_db

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def public_urls() -> list[str]:
    urls = [reverse("public:index"), reverse("public:pairings"), reverse("public:data"), "/public/api/openapi.json"]
    urls += ["/public/api/tables", "/public/api/pairings", reverse("public:sitemap"), "/robots.txt"]
    urls += [f"{reverse('public:search')}?q={q}" for q in ("信阳", "项目", "方案", "Xinyang", "project")]
    urls += ["/public/api/tables", "/public/api/pairings", reverse("public:regions")]
    urls += [reverse("public:region", args=[code]) for code in ("410000", "411500", "411526", "320000", "320500")]
    for p in site.public_pairings():
        urls += [reverse("public:pairing", args=[p.pk]), f"/public/api/pairings/{p.pk}"]
        urls += [reverse("public:feedback", args=["pairing", p.pk])]
    for name in opendata.TABLES:
        urls += [f"/public/data/{name}.csv", f"/public/data/{name}.json", f"/public/api/tables/{name}"]
    urls += [reverse("public:culture"), reverse("public:culture") + "?kind=oral"]
    for resource in culture_queries.public_resources():
        urls.append(reverse("public:culture_resource", args=[resource.pk]))
        urls += [
            reverse("public:culture_medium", args=[m.pk])
            for m in resource.media.filter(kind="document", removed_at__isnull=True)
        ]
    urls += [reverse("public:culture_route", args=[r.pk]) for r in culture_queries.public_routes()]
    return urls


def test_no_public_url_shows_a_draft_an_unpublished_or_withdrawn_item_or_a_person(client, settings):
    settings.DUIKOU_PUBLIC_API_PER_MINUTE = 10_000
    w = pub.world()
    pub.evaluation(w)
    pub.publish_all(w)
    withdrawn = pub.pt.project(w["pairing"], "已撤回的项目")
    services.publish(user=w["who"]["xy_approver"], item=withdrawn, secrecy_confirmed=True)
    services.withdraw(user=w["who"]["xy_approver"], item=withdrawn, reason="撤回理由不公开")
    # a province-internal pairing its province did not publish, though evaluated in a published province run
    local = pub.province_pairing("P-T3")
    ev.published_run(w["who"]["henan"], [(local, "80", "good")], province="410000")
    feedback_seen = seed_feedback(w)
    # the red-culture platform: a draft, a taken-down resource, a draft route, a study trip's note with a phone, a
    # removed document and a document of the draft (ct.world), the review's notes
    culture = ct.world(w["who"])
    editor = w["who"]["xy_editor"]
    site = culture_services.step(editor, culture["site"], "revise", version=culture["site"].version)
    removed = culture_services.add_medium(
        editor, site, ct.upload("r.pdf", b"%PDF-1.4 removed"), caption="已移除的档案", credit="馆藏"
    )
    culture_services.remove_medium(editor, removed)
    culture_services.add_medium(
        editor, culture["draft"], ct.upload("d.pdf", b"%PDF-1.4 draft"), caption="草稿资源的档案", credit="馆藏"
    )
    site = culture_services.step(editor, site, "submit", version=site.version)
    culture_services.step(
        w["who"]["xy_approver"], site, "publish", version=site.version, secrecy_confirmed=True, note="审核说明内部"
    )
    never = [
        "信阳市—郑州市",
        "P-T3",
        *pub.PERSONAL,
        *pub.SECRET,
        "已撤回的项目",
        "撤回理由不公开",
        "保密审查说明内部",
        w["plan"].filing_receipt,
        "草稿资源不得公开",
        "草稿简介秘密",
        "已下架资源不得公开",
        "下架理由内部",
        "草稿线路不得公开",
        "已移除的档案",
        "草稿资源的档案",
        "审核说明内部",
        *FEEDBACK_NEVER,
    ]
    seen = {
        "published project": "苏信合作产业园一期",
        "plan summary": "打造对口合作样板",
        "figure": "2026Q1",
        "resource": "测试旧址",
        "route": "测试精品线路",
        "transcript": "口述文字稿内容",
        "study trip": "苏州学生赴新县研学",
    }
    seen |= feedback_seen
    failures, found = [], set()
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        cache.clear()
        for url in public_urls():
            response = client.get(url)
            if response.status_code != 200:
                failures.append(f"{url} ({language}): {response.status_code}")
                continue
            text = response.content.decode("utf-8-sig")
            failures += [f"{url} ({language}) shows {word!r}" for word in never if word and word in text]
            failures += [f"{url} ({language}) shows a mobile number" for _ in MOBILE.findall(text)[:1]]
            failures += [f"{url} ({language}) shows an ID number" for _ in ID_NUMBER.findall(text)[:1]]
            found |= {name for name, word in seen.items() if word in text}
    assert not failures, "\n".join(failures)
    assert found == set(seen)  # the walk did reach what is published


FEEDBACK_NEVER = ["待审核的留言", "未采纳的留言", "已撤下的留言", "撤下前的答复", "不予公开的理由", "撤下的理由"]


def seed_feedback(w) -> dict[str, str]:
    """Messages from the public on the pairing's page in every state but one approved: only that one (and its reply)
    may show, never the moderator or a reason."""
    subject = feedback.resolve("pairing", w["pairing"].pk)
    moderator = w["who"]["xy_approver"]

    def message(body: str, *steps: tuple[str, dict]):
        item = feedback_services.post_feedback(subject=subject, body=body, language="zh-hans")
        for step, fields in steps:
            item = feedback_services.moderate(user=moderator, item=item, step=step, version=item.version, **fields)

    message("待审核的留言")
    message("未采纳的留言", ("reject", {"reason": "不予公开的理由"}))
    message("已撤下的留言", ("show", {"reply": "撤下前的答复"}), ("hide", {"reason": "撤下的理由"}))
    message("公开的留言", ("show", {"reply": "对留言的答复"}))
    return {"approved feedback": "公开的留言", "its reply": "对留言的答复"}
